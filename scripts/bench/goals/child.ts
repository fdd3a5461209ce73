// One benchmark as a child process: its figure lines echoed as they come (prefixed with the step's
// name), its noise kept only as a short tail to show if it fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';

/** What a finished child printed on stdout, and the 1-minute load average when it ended. */
export interface ChildResult {
  lines: string[];
  load1: number;
}

const TAIL_LINES = 40;
let current: ChildProcess | null = null;
let stoppedBy: NodeJS.Signals | null = null;

/**
 * bench:goals interrupted: ends the running child and refuses to start another, so every step left
 * fails at once and the cleanup (pgledger's database) still runs.
 */
export function stopCurrentChild(signal: NodeJS.Signals): void {
  stoppedBy = signal;
  current?.kill(signal);
}

export function runChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; figures: RegExp },
): Promise<ChildResult> {
  if (stoppedBy) return Promise.reject(new Error(`${name}: not started (${stoppedBy})`));
  console.log(`[${name}] ${command} ${args.join(' ')}`);
  const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  current = child;
  const lines: string[] = [];
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    keep(line);
    if (options.figures.test(line)) console.log(`[${name}] ${line}`);
  });
  createInterface({ input: child.stderr! }).on('line', keep);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (current === child) current = null;
      if (code === 0) return resolve({ lines, load1: loadavg()[0]! });
      console.log(`[${name}] failed (${signal ?? `exit ${code}`}); its last lines:`);
      for (const line of tail) console.log(`[${name}]   ${line}`);
      reject(new Error(`${name}: ${command} ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}

/** `npx tsx scripts/bench/<script>.ts …` with the given environment. */
export function runBench(
  name: string,
  script: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; figures: RegExp },
): Promise<ChildResult> {
  return runChild(name, 'npx', ['tsx', `scripts/bench/${script}.ts`, ...args], options);
}
