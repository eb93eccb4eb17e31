// SPDX-License-Identifier: MIT
/* en.js — English strings. Same keys as he.js (tests/web/i18n.test.js checks). */
export default {
  'app.title': 'Recordings',
  'app.subtitle': 'Call recordings, fetched from the provider once and played from the cache.',
  'app.skip': 'Skip to the recordings',
  'lang.label': 'Language',

  'search.label': 'Search by call SID',
  'search.placeholder': 'CA…',
  'filter.label': 'State',
  'filter.all': 'All states',

  'state.remote': 'Remote',
  'state.queued': 'Queued',
  'state.running': 'Fetching',
  'state.ready': 'Ready',
  'state.failed': 'Failed',
  'state.missing': 'Missing',

  'action.play': 'Play',
  'action.pause': 'Pause',
  'action.loading': 'Loading…',
  'action.retry': 'Retry',
  'action.stop': 'Stop',
  'action.loadMore': 'Load more',

  'aria.play': 'Play recording {sid}',
  'aria.pause': 'Pause recording {sid}',
  'aria.loading': 'Preparing recording {sid}',
  'aria.retry': 'Retry fetching recording {sid}',
  'aria.progress': 'Fetch progress for recording {sid}',
  'aria.list': 'Recordings',

  'list.loading': 'Loading recordings…',
  'list.empty': 'No recordings match.',
  'list.count': '{n} shown',
  'list.countMore': '{n} shown, more available',
  'list.error': 'Could not load the recordings: {message}',

  'meta.duration': 'Duration',
  'meta.size': 'Size',
  'meta.unknown': '—',

  'progress.bytes': '{done} of {total}',
  'progress.waiting': 'Waiting for the provider…',
  'progress.attempt': 'attempt {n}',

  'player.checking': 'Preparing…',
  'player.waiting': 'Fetching from the provider…',
  'player.ready': 'Starting…',
  'player.playing': 'Playing',
  'player.paused': 'Paused',
  'player.error': 'Could not play',
  'player.nowPlaying': 'Now playing',
  'player.announce': '{state}: {sid}',

  'error.not_found': 'The provider has no recording for this call.',
  'error.invalid': 'This call SID is not valid.',
  'error.auth': 'You are not allowed to play this recording.',
  'error.upstream': 'Fetching the recording from the provider failed.',
  'error.network': 'Network error — check the connection and try again.',
  'error.timeout': 'The server did not answer in time. Try again.',
  'error.media': 'The browser could not play this audio.',
  'error.generic': 'Something went wrong.',
  'error.retryFailed': 'Retry failed: {message}',
  'error.coolDown': 'The last attempt failed moments ago; you can retry in {n} s.',
  'error.detail': 'Reason: {message}',
};
