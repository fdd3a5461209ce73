// Child processes of a stack: each in its own process group, restartable after a crash or a kill,
// its output in a log file with the last lines kept for error messages. Every child alive is
// SIGKILLed by an exit hook should the harness die before stopping them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { sleep } from '../random.js';

const REPO_ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const TAIL_LINES = 40;

/** Every child alive right now, for the exit hook. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot wait. SIGKILL leaves nothing behind.
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

export interface ProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  logPath: string;
  /** A line on stdout/stderr that means "up" (the worker's "worker polling"). */
  readyLine?: RegExp;
}

/** One child process that can be started again after it died or was killed. */
export class ManagedProcess {
  #child: ChildProcess | undefined;
  #expectingExit = false;
  #ready = false;
  #log: WriteStream;
  #tail: string[] = [];
  starts = 0;
  /** Exits nobody asked for (crashes), and the last one's code or signal. */
  unexpectedExits = 0;
  lastUnexpectedExit: string | null = null;
  onUnexpectedExit: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly spec: ProcessSpec,
  ) {
    this.#log = createWriteStream(spec.logPath, { flags: 'a' });
  }

  /** The running child's pid, also its process group's id (it is started detached); else null. */
  get pid(): number | null {
    return this.running ? (this.#child?.pid ?? null) : null;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get ready(): boolean {
    return this.running && (this.spec.readyLine === undefined || this.#ready);
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    installExitHook();
    this.#expectingExit = false;
    this.#ready = false;
    this.starts += 1;
    this.#log.write(`---- start #${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    live.add(child);
    const scan = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#log.write(text);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        this.#tail.push(line);
        if (this.#tail.length > TAIL_LINES) this.#tail.shift();
        if (this.spec.readyLine?.test(line) && this.#child === child) this.#ready = true;
      }
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.on('error', (error) => this.#log.write(`---- spawn error: ${error.message}\n`));
    child.on('exit', (code, signal) => {
      live.delete(child);
      this.#log.write(`---- exited (${signal ?? code}) at ${new Date().toISOString()}\n`);
      if (this.#child !== child || this.#expectingExit) return;
      this.unexpectedExits += 1;
      this.lastUnexpectedExit = String(signal ?? code);
      this.onUnexpectedExit?.();
    });
  }

  /** Waits until the process is up (its ready line seen, or `check` true); throws after `timeoutMs`. */
  async waitReady(timeoutMs: number, check?: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.tail()}`);
      if (this.ready && (!check || (await check().catch(() => false)))) return;
      await sleep(200);
    }
    throw new Error(`${this.name} was not up within ${timeoutMs / 1000} s:\n${this.tail()}`);
  }

  /** kill -9 of the whole process group; resolves once it is gone (at most 5 s). */
  async kill9(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    this.#expectingExit = true;
    killGroup(child, 'SIGKILL');
    await this.#exited(child, 5000);
  }

  /** SIGTERM to the group, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#child;
    if (child && this.running) {
      this.#expectingExit = true;
      killGroup(child, 'SIGTERM');
      if (!(await this.#exited(child, graceMs))) {
        killGroup(child, 'SIGKILL');
        await this.#exited(child, 5000);
      }
    }
    // A process that is gone may have left children in its group (tsx): take them too.
    if (child) killGroup(child, 'SIGKILL');
  }

  closeLog(): void {
    this.#log.end();
  }

  tail(): string {
    return this.#tail.map((line) => `  [${this.name}] ${line}`).join('\n');
  }

  async #exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(50);
    return child.exitCode !== null || child.signalCode !== null;
  }
}
