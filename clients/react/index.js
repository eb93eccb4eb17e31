// SPDX-License-Identifier: MIT
/**
 * @recd/react — React 18 binding for recd's recording player.
 *
 *   const { audioRef, state, error, play, pause, stop } = useRecordingPlayer(callSid, options);
 *   <audio ref={audioRef} />
 *   <RecordingPlayer callSid="CA…" />
 *
 * Built on web/player.js (./player.js), which keeps the dedup promises:
 * one readiness check in flight, an AbortController per check, one timer
 * honouring Retry-After. This file only ties its lifetime to React's:
 *  - the player is created in an effect and destroyed in its cleanup, so
 *    StrictMode's mount → unmount → mount leaves exactly one live player
 *    and aborts whatever the first one had started;
 *  - a new callSid stops (aborts) the old recording's check;
 *  - options are read through a ref: re-renders with new option objects or
 *    callbacks never re-create the player or start a request;
 *  - nothing is fetched until play() (or autoPlay) asks.
 */
import { createElement, useCallback, useEffect, useRef, useState } from 'react';
import { createPlayer } from './player.js';

export { parseRetryAfter, STATES, ERROR_KINDS } from './player.js';

const IDLE = Object.freeze({ state: 'idle', callSid: null, error: null });
const LOADING = new Set(['checking', 'waiting', 'ready']);

/** Player options that are fixed for the player's life (see docs/player.md). */
const PLAYER_OPTIONS = ['streamUrl', 'detailUrl', 'fetch', 'waitSeconds', 'checkTimeoutMs', 'log'];

export function useRecordingPlayer(callSid, options = {}) {
  const audioRef = useRef(null);
  const playerRef = useRef(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const [snapshot, setSnapshot] = useState(IDLE);

  // One player per mounted audio element. StrictMode runs this twice in
  // development (mount, cleanup, mount): the cleanup destroys the first.
  useEffect(() => {
    const audio = audioRef.current;
    if (!audio) return undefined;
    const extra = {};
    for (const k of PLAYER_OPTIONS) if (optionsRef.current[k] !== undefined) extra[k] = optionsRef.current[k];
    const player = createPlayer({
      ...extra,
      audio,
      onState: (ev) => {
        if (playerRef.current !== player) return; // a destroyed player's last words
        setSnapshot({ state: ev.state, callSid: ev.callSid, error: ev.error ?? null });
        optionsRef.current.onState?.(ev);
      },
    });
    playerRef.current = player;
    return () => {
      playerRef.current = null;
      player.destroy(); // aborts the check in flight, clears the timer, releases the media
      setSnapshot(IDLE);
    };
  }, []);

  // A different recording: abort the old one's check; autoPlay starts the new one.
  useEffect(() => {
    const player = playerRef.current;
    if (!player) return;
    if (player.callSid && player.callSid !== callSid) player.stop();
    if (callSid && optionsRef.current.autoPlay) player.play(callSid);
  }, [callSid]);

  const play = useCallback(() => {
    if (callSid) playerRef.current?.play(callSid);
  }, [callSid]);
  const pause = useCallback(() => playerRef.current?.pause(), []);
  const stop = useCallback(() => playerRef.current?.stop(), []);
  const toggle = useCallback(() => {
    const p = playerRef.current;
    if (!p || !callSid) return;
    if (p.state === 'playing' && p.callSid === callSid) p.pause();
    else p.play(callSid);
  }, [callSid]);

  // The snapshot may describe the previous recording for one render.
  const mine = snapshot.callSid === callSid ? snapshot : IDLE;
  return {
    audioRef,
    state: mine.state,
    error: mine.error,
    loading: LOADING.has(mine.state),
    playing: mine.state === 'playing',
    play,
    pause,
    stop,
    toggle,
  };
}

const DEFAULT_LABELS = Object.freeze({
  play: 'Play',
  pause: 'Pause',
  loading: 'Loading…',
  error: 'Could not play this recording',
});

/**
 * A Play/Pause button with its <audio> element and a failure line.
 * Props: callSid, labels ({ play, pause, loading, error }), controls (show
 * the native audio controls), className, and any useRecordingPlayer option.
 */
export function RecordingPlayer({ callSid, labels, controls = false, className, ...options }) {
  const p = useRecordingPlayer(callSid, options);
  const l = { ...DEFAULT_LABELS, ...labels };
  const word = p.playing ? l.pause : p.loading ? l.loading : l.play;
  return createElement(
    'div',
    { className: className ?? 'recd-player', 'data-state': p.state },
    createElement('button', { type: 'button', onClick: p.toggle, 'aria-busy': p.loading, disabled: !callSid }, word),
    createElement('audio', { ref: p.audioRef, controls, preload: 'none' }),
    p.state === 'error'
      ? createElement('p', { role: 'alert', className: 'recd-player-error' }, l.error, p.error?.message ? ` (${p.error.message})` : '')
      : null,
  );
}
