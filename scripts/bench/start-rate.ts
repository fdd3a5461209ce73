// What bounds POST /deposits: `npm run bench:start-rate -- <mode>` (issue 15).
//
// Starts a stack of its own (scripts/chaos/stack.ts: a Temporal dev server, the worker and the API
// server as child processes, as bench:api does), then calls Temporal directly from this process at
// BENCH_RATE calls/s (default 200) for BENCH_SECONDS (default 20), open loop (a call is sent on
// time whatever the earlier ones are doing, at most BENCH_IN_FLIGHT_MAX at once), one mode per run:
//   start              client.workflow.start of a deposit workflow (the start alone, durable)
//   update-with-start  executeUpdateWithStart of the `started` Update (what POST /deposits waits for)
//   ping               client.workflow.start of the bare one-activity workflow
// and prints one line
//   <mode>: p50 <ms> ms, p99 <ms> ms, sent <n>, failed <n>, skipped <n> (in flight at the cap)
// plus, for the start modes, how long the worker took to record the last deposit started, and the
// CPU per call of each part of the stack (scripts/bench/cpu-share.ts) while sending and, for the start
// modes, until the worker had caught up:
//   <mode>: while sending, CPU ms/request: server <ms>, worker <ms>, Temporal <ms>, PostgreSQL <ms>, …
//
// The dev server's own options, to find what bounds it: BENCH_TEMPORAL_MEMORY and BENCH_TEMPORAL_ARGS
// (scripts/bench/temporal-dev.ts); the line printed first names the options in force.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ensureClientAccounts, ensureSystemAccounts } from '../../db/ledger/index.js';
import { insertUser } from '../../db/users/index.js';
import {
  depositPolicy,
  depositReference,
  depositWorkflowId,
  type DepositInput,
} from '../../domain/deposit.js';
import { deposit, depositStartedUpdate } from '../../workflows/deposit.js';
import { ping } from '../../workflows/ping.js';
import { startStack } from '../chaos/stack.js';
import { cpuShareLine, cpuSnapshot } from './cpu-share.js';
import { ensureTemporalCli } from '../temporal-cli.js';
import { describeTemporalDev, temporalDevFromEnv } from './temporal-dev.js';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IN_FLIGHT_MAX = Number(process.env.BENCH_IN_FLIGHT_MAX ?? 2000);
const MODES = ['start', 'update-with-start', 'ping'] as const;
const TEMPORAL_DEV = temporalDevFromEnv();
type Mode = (typeof MODES)[number];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Calls `call` RATE times a second for SECONDS, open loop; the latencies of those that succeeded. */
async function drive(call: (index: number) => Promise<unknown>) {
  const latenciesMs: number[] = [];
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let skipped = 0;
  let firstError: unknown;
  const total = RATE * SECONDS;
  const started = performance.now();
  for (let index = 0; index < total; index += 1) {
    const dueMs = started + (index * 1000) / RATE;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (pending.size >= IN_FLIGHT_MAX) {
      skipped += 1;
      continue;
    }
    const sentMs = performance.now();
    const run: Promise<void> = call(index).then(
      () => {
        latenciesMs.push(performance.now() - sentMs);
      },
      (error: unknown) => {
        failed += 1;
        firstError ??= error;
      },
    );
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }
  await Promise.all(pending);
  if (firstError) console.log(`  first failure: ${(firstError as Error).message ?? String(firstError)}`);
  return { latenciesMs: latenciesMs.sort((a, b) => a - b), failed, skipped };
}

async function main(): Promise<void> {
  const mode = process.argv[2] as Mode;
  if (!MODES.includes(mode)) throw new Error(`mode: one of ${MODES.join(', ')}`);
  const stack = await startStack({
    postgresUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clearhouse',
    temporalCli: await ensureTemporalCli(),
    env: {},
    log: (line) => console.log(`  stack: ${line}`),
    temporalDev: TEMPORAL_DEV,
  });
  console.log(describeTemporalDev(TEMPORAL_DEV));
  try {
    await ensureSystemAccounts(stack.pool);
    const email = `bench-start-${randomUUID()}@example.com`;
    const clientId = await insertUser(stack.pool, {
      email,
      passwordHash: 'not-used',
      role: 'client',
      displayName: email,
    });
    if (!clientId) throw new Error('bench user was not created');
    await ensureClientAccounts(stack.pool, clientId, 'EUR');
    const client = await stack.temporalClient();
    const inputOf = (): DepositInput => {
      const businessId = randomUUID();
      return {
        businessId,
        clientId,
        amount: '100.00',
        currency: 'EUR',
        reference: depositReference(businessId),
        wireReference: null,
        policy: depositPolicy(),
        requestedBy: { id: clientId, role: 'client' },
      };
    };
    const options = (input: DepositInput) => ({
      taskQueue: stack.taskQueue,
      workflowId: depositWorkflowId(input.businessId),
      args: [input] as [DepositInput],
    });
    let lastWorkflowId = '';
    const calls: Record<Mode, (index: number) => Promise<unknown>> = {
      start: () => {
        const input = inputOf();
        lastWorkflowId = depositWorkflowId(input.businessId);
        return client.workflow.start(deposit, options(input));
      },
      'update-with-start': () => {
        const input = inputOf();
        lastWorkflowId = depositWorkflowId(input.businessId);
        return client.workflow.executeUpdateWithStart(depositStartedUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation(deposit, {
            ...options(input),
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
      },
      ping: () =>
        client.workflow.start(ping, {
          taskQueue: stack.taskQueue,
          workflowId: `ping-${randomUUID()}`,
          args: ['bench'],
        }),
    };
    const groups = { server: stack.server.pid, worker: stack.worker.pid, Temporal: stack.temporal.pid };
    const cpuBefore = cpuSnapshot(groups);
    const startedMs = performance.now();
    const { latenciesMs, failed, skipped } = await drive(calls[mode]);
    const cpuSent = cpuSnapshot(groups);
    const sentSeconds = (performance.now() - startedMs) / 1000;
    console.log(
      `${mode}: p50 ${percentile(latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(latenciesMs, 99).toFixed(1)} ms, ` +
        `sent ${latenciesMs.length + failed}, failed ${failed}, skipped ${skipped}, in ${sentSeconds.toFixed(1)} s ` +
        `at load ${(await import('node:os')).loadavg()[0]!.toFixed(2)}`,
    );
    console.log(`${mode}: while sending, ${cpuShareLine(cpuBefore, cpuSent, latenciesMs.length, RATE)}`);
    if (mode !== 'ping' && lastWorkflowId) {
      // The backlog: how long until the worker has recorded the last deposit started.
      for (let waitedMs = 0; waitedMs < 600_000; waitedMs += 250) {
        const { rowCount } = await stack.pool.query(`SELECT 1 FROM lifecycle WHERE workflow_id = $1`, [
          lastWorkflowId,
        ]);
        if (rowCount) {
          console.log(
            `${mode}: the last deposit was recorded ${((performance.now() - startedMs) / 1000).toFixed(1)} s after the first call`,
          );
          // Per call until the worker caught up: what one start costs the stack, backlog included.
          console.log(
            `${mode}: until recorded, ${cpuShareLine(cpuBefore, cpuSnapshot(groups), latenciesMs.length, RATE)}`,
          );
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
