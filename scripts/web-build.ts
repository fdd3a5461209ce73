// Builds the Remix app (vite) when its output is missing or older than any source file it depends on.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const serverBuild = 'web/build/server/index.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function webBuildIsStale(): boolean {
  if (!existsSync(serverBuild)) return true;
  const built = statSync(serverBuild).mtimeMs;
  return (
    ['web/app', 'domain'].some((dir) => existsSync(dir) && newestMtime(dir) > built) ||
    statSync('vite.config.ts').mtimeMs > built
  );
}

export async function buildWebIfStale(log: (line: string) => void = console.log): Promise<void> {
  if (!webBuildIsStale()) return;
  log('Building the web app (remix vite:build)...');
  await new Promise<void>((resolve, reject) => {
    // Under vitest the VITEST variables would make vite.config.ts leave the Remix plugin out.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
    const child = spawn(process.execPath, ['node_modules/@remix-run/dev/dist/cli.js', 'vite:build'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...env, NODE_ENV: 'production' },
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`web build failed:\n${errors}`))));
  });
}
