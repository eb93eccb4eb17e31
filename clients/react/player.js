// SPDX-License-Identifier: MIT
// The player is recd's own web/player.js, not a fork: in the repository this
// re-exports it; `npm run pack` puts a copy of that file here in the tarball.
export * from '../../web/player.js';
