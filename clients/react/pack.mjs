// SPDX-License-Identifier: MIT
// npm run pack: a tarball of @recd/react with web/player.js copied in as
// ./player.js (in the repository ./player.js re-exports it, so there is one
// source). Stages into a temp dir and runs `npm pack` there; the .tgz lands here.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const stage = mkdtempSync(path.join(os.tmpdir(), 'recd-react-'));
try {
  for (const f of ['package.json', 'index.js', 'index.d.ts', 'README.md']) cpSync(path.join(here, f), path.join(stage, f));
  cpSync(path.join(here, '../../web/player.js'), path.join(stage, 'player.js'));
  execFileSync('npm', ['pack', '--silent'], { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] });
  for (const f of readdirSync(stage).filter((n) => n.endsWith('.tgz'))) renameSync(path.join(stage, f), path.join(here, f));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
