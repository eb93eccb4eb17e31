// SPDX-License-Identifier: MIT
// Type declarations for @recd/react (index.js).
import type { ReactElement, RefObject } from 'react';

export type PlayerState = 'idle' | 'checking' | 'waiting' | 'ready' | 'playing' | 'paused' | 'error';

export type ErrorKind = 'not_found' | 'invalid' | 'auth' | 'upstream' | 'network' | 'timeout' | 'media';

export interface PlayerError {
  kind: ErrorKind;
  /** HTTP status of the failed check, when there was one. */
  status: number | null;
  /** The server's error code (e.g. "recording_not_found", "upstream_failed"). */
  code: string | null;
  /** English text; show your own words by `kind`/`code` and this as a detail. */
  message: string;
  /** Seconds the server asked to wait before retrying (502), if it said. */
  retryAfter?: number | null;
}

export interface StateEvent {
  state: PlayerState;
  callSid: string | null;
  error: PlayerError | null;
  from: PlayerState;
}

export interface RecordingPlayerOptions {
  /** Start as soon as the call SID is set or changes. Default false: wait for play(). */
  autoPlay?: boolean;
  /** Called on every state transition of the underlying player. */
  onState?: (ev: StateEvent) => void;
  /** sid => URL of the audio; default "/stream?call_sid=" + sid. Read once, when the player is created. */
  streamUrl?: (callSid: string) => string;
  /** sid => URL of the recording's JSON (failure details); default "/api/recordings/" + sid. */
  detailUrl?: (callSid: string) => string;
  /** fetch to use; default globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** Sent as `Prefer: wait=N` on each readiness check; default 20. */
  waitSeconds?: number;
  /** Watchdog on a held check, ms; default (waitSeconds + 15) s. */
  checkTimeoutMs?: number;
  /** Receives "Streaming from <url>"; default console.log. */
  log?: (...args: unknown[]) => void;
}

export interface RecordingPlayerHandle {
  /** Attach to the <audio> element the player drives. */
  audioRef: RefObject<HTMLAudioElement>;
  /** The player's state for this callSid ('idle' for any other). */
  state: PlayerState;
  error: PlayerError | null;
  /** checking, waiting or ready: a readiness check is under way. */
  loading: boolean;
  playing: boolean;
  /** Play callSid: at most one readiness check in flight, whatever the number of calls. */
  play(): void;
  pause(): void;
  /** Abort everything and release the media. */
  stop(): void;
  /** Pause if playing, else play. */
  toggle(): void;
}

export function useRecordingPlayer(callSid: string | null | undefined, options?: RecordingPlayerOptions): RecordingPlayerHandle;

export interface RecordingPlayerProps extends RecordingPlayerOptions {
  callSid: string | null | undefined;
  labels?: Partial<Record<'play' | 'pause' | 'loading' | 'error', string>>;
  /** Show the native audio controls. Default false. */
  controls?: boolean;
  className?: string;
}

export function RecordingPlayer(props: RecordingPlayerProps): ReactElement;

export function parseRetryAfter(value: string | null | undefined, now?: number): number;
export const STATES: readonly PlayerState[];
export const ERROR_KINDS: readonly ErrorKind[];
