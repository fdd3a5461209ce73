// `npm start` on a fresh clone: install dependencies when missing, then hand over to the stack runner.
// Plain JavaScript on purpose: it must run before node_modules (and tsx) exist.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  // `npm install`, not `npm ci`: see .ci/run (the reachable registry lacks other platforms' builds).
  console.log('Installing dependencies (npm install)...');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm install failed; see above.');
    process.exit(result.status ?? 1);
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// Ctrl-C reaches the whole process group; a signal sent to this process alone (kill, a supervisor)
// is passed on, so the stack runner always gets to stop its children.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
