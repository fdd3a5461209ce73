// Proves the replay guard works: the deposit workflow with one extra activity before the hold timer
// (generated from workflows/deposit.ts by tests/replay/fixtures/deposit-variants.ts) FAILS to replay
// the golden histories that reach the hold, and the same change behind patched() replays them all.
// The replay CLI reports the same, with a non-zero exit code naming the workflow and the event.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { divergenceOf, replayHistoryJson } from '../../auditing/index.js';
import { bundleDepositVariant, type DepositVariant } from './fixtures/deposit-variants.js';
import { goldenHistories, type GoldenHistory } from './histories.js';

const deposits = goldenHistories().filter((g) => g.type === 'deposit');
const byName = (name: string) => deposits.find((g) => g.name === `deposit/${name}`)!;
/** The golden paths that reach ON_HOLD, where the changed code schedules its extra activity. */
const REACH_HOLD = ['deposit/happy', 'deposit/extend'];

let dir: string;
let changed: string;
let patched: string;

async function bundle(variant: DepositVariant, name: string): Promise<string> {
  const code = await bundleDepositVariant(variant);
  const path = join(dir, name);
  writeFileSync(path, code);
  return path;
}

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
  dir = mkdtempSync(join(tmpdir(), 'clearhouse-guard-'));
  [changed, patched] = await Promise.all([bundle('changed', 'changed.js'), bundle('patched', 'patched.js')]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Each history's replay error against `codePath` (null: it replayed), in order. One replay worker
 * serves them all: building one loads the whole bundle.
 */
async function replayEach(codePath: string, histories: GoldenHistory[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath } },
    histories.map((g) => ({ workflowId: g.workflowId, history: g.history })),
  ))
    errors.push(result.error ?? null);
  expect(errors).toHaveLength(histories.length);
  return errors;
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const cli = fileURLToPath(new URL('../../scripts/replay.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the replay guard', () => {
  it('has golden deposit histories that reach the hold and some that do not', () => {
    expect(deposits.map((g) => g.name)).toEqual(expect.arrayContaining([...REACH_HOLD, 'deposit/cancel']));
  });

  it('an extra activity before the hold timer, without patched(), fails replay of the histories that reach the hold', async () => {
    const reaching = REACH_HOLD.map((name) => deposits.find((d) => d.name === name)!);
    const errors = await replayEach(changed, [...reaching, byName('cancel')]);
    for (const [i, name] of REACH_HOLD.entries()) {
      const g = reaching[i]!;
      const error = errors[i];
      expect(error, `${name} must not replay against the changed code`).toBeInstanceOf(
        DeterminismViolationError,
      );
      const message = (error as Error).message;
      expect(message).toMatch(/nondeterminism/i);
      // The replayer names where the code and the history part ways: the history has the hold
      // timer where the changed code now schedules an activity.
      const at = divergenceOf(message, g.history);
      expect(at.eventId, message).not.toBeNull();
      expect(at.eventType, message).toMatch(/TIMER_STARTED|ACTIVITY_TASK_SCHEDULED/);
    }
    // A path that never reaches the hold never meets the change.
    expect(errors[REACH_HOLD.length]).toBeNull();
  });

  it('the same change behind patched() replays every golden deposit history', async () => {
    const errors = await replayEach(patched, deposits);
    for (const [i, g] of deposits.entries()) expect(errors[i], g.name).toBeNull();
  });

  it('the audit replay reports the divergence the same way', async () => {
    const g = byName('happy');
    const bad = await replayHistoryJson(g.history, {
      workflowId: g.workflowId,
      bundle: { codePath: changed },
    });
    expect(bad).toMatchObject({
      deterministic: false,
      errorKind: 'nondeterminism',
      events: g.history.events.length,
    });
    expect(bad.error).toMatch(/nondeterminism/i);
    expect(bad.divergence?.eventId).toBeGreaterThan(0);
    const good = await replayHistoryJson(g.history, {
      workflowId: g.workflowId,
      bundle: { codePath: patched },
    });
    expect(good).toEqual({ deterministic: true, events: g.history.events.length });
  });

  it('npm run replay exits non-zero naming the workflow and the event, and zero once patched', async () => {
    const g = byName('happy');
    const failed = await runCli(['--file', g.file, '--bundle', changed]);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toContain(g.workflowId);
    expect(failed.stdout).toMatch(/FAIL .* nondeterministic at event \d+ EVENT_TYPE_/);
    expect(failed.stdout).toContain('1 replayed, 0 deterministic, 1 not');

    const passed = await runCli(['--file', g.file, '--bundle', patched]);
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout).toContain('1 replayed, 1 deterministic, 0 not');
  });
});
