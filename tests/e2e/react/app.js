// SPDX-License-Identifier: MIT
/*
 * The React test app: <RecordingPlayer> and useRecordingPlayer from
 * clients/react inside <StrictMode>, plus knobs the test drives through
 * window.testApp: a re-render storm (a counter bumped every few ms, new
 * option objects and callbacks each time), a change of call SID, unmount.
 */
import { createElement as h, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { RecordingPlayer, useRecordingPlayer } from '/clients/react/index.js';

const params = new URLSearchParams(location.search);
const events = [];
const probe = { mounts: 0, unmounts: 0 }; // proves StrictMode's mount → unmount → mount ran

function HookPlayer({ callSid, tick }) {
  // A new options object and callback on every render, as real apps do.
  const p = useRecordingPlayer(callSid, { onState: (ev) => events.push(`${ev.callSid}:${ev.state}`), waitSeconds: 20 });
  return h(
    'section',
    { 'data-testid': 'hook', 'data-state': p.state, 'data-tick': tick },
    h('button', { type: 'button', onClick: p.toggle, id: 'hook-toggle' }, p.playing ? 'Pause' : p.loading ? 'Loading…' : 'Play'),
    h('audio', { ref: p.audioRef, id: 'hook-audio' }),
    h('span', { id: 'hook-state' }, p.state),
  );
}

function App() {
  const [sid, setSid] = useState(params.get('sid'));
  const [tick, setTick] = useState(0);
  const [storm, setStorm] = useState(false);
  const [mounted, setMounted] = useState(true);
  useEffect(() => {
    probe.mounts++;
    window.testApp = { setSid, setStorm, setMounted, events, probe };
    return () => {
      probe.unmounts++;
    };
  }, []);
  useEffect(() => {
    if (!storm) return undefined;
    const id = setInterval(() => setTick((n) => n + 1), 5);
    return () => clearInterval(id);
  }, [storm]);
  if (!mounted) return h('p', { id: 'unmounted' }, 'unmounted');
  return h(
    'div',
    null,
    h('p', { id: 'tick' }, String(tick)),
    params.get('mode') === 'hook'
      ? h(HookPlayer, { callSid: sid, tick })
      : h(RecordingPlayer, { callSid: sid, controls: true, className: 'recd-player', onState: (ev) => events.push(`${ev.callSid}:${ev.state}`) }),
  );
}

createRoot(document.getElementById('root')).render(h(StrictMode, null, h(App)));
