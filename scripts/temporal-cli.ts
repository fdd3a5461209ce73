// Finds the Temporal CLI (which contains the dev server) or builds it once from the Go module proxy.
// Order: $TEMPORAL_CLI, `temporal` on PATH, the cache outside the repo, then `go install` into it.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

function cacheDir(): string {
  const base =
    process.env.CLEARHOUSE_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clearhouse');
  return join(base, `temporal-${TEMPORAL_CLI_VERSION.replace(/^v/, '')}`);
}

export function cachedCliPath(): string {
  return join(cacheDir(), 'bin', 'temporal');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/** The CLI's path if it is already available, without building anything. */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  return onPath() ?? (isExecutable(cachedCliPath()) ? cachedCliPath() : undefined);
}

/** Returns a usable CLI path, building it with `go install` (progress on stderr) when none exists. */
export async function ensureTemporalCli(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  const goVersion = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (goVersion.status !== 0) {
    throw new Error(
      'The Temporal CLI is missing and Go is not installed to build it. Install Go, or set TEMPORAL_CLI.',
    );
  }
  const gobin = join(cacheDir(), 'bin');
  mkdirSync(gobin, { recursive: true });
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} once into ${gobin} (a few minutes; later starts reuse it)...`,
  );
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'go',
      ['install', '-v', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
      {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'inherit', 'pipe'],
      },
    );
    let lines = 0;
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        lines += 1;
        // `go install -v` prints each package; show a heartbeat rather than thousands of lines.
        if (lines % 100 === 0)
          log(`  ... ${lines} packages (${Math.round((Date.now() - started) / 1000)} s)`);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go install failed (exit ${code}):\n${tail}`)),
    );
  });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return cachedCliPath();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureTemporalCli()
    .then((path) => console.log(path))
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
