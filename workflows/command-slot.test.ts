// The shared command slot (workflows/lifecycle.ts) under contention, and a transition whose text
// PostgreSQL cannot store: real dev server, real worker and activities, real PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { announceDeposit, SECOND, testDepositPolicy } from '../tests/support/deposit-workflow.js';
import { closePool, getPool } from '../db/pool.js';
import { trialBalance } from '../db/ledger/index.js';
import { getLifecycle } from '../db/lifecycle/index.js';
import { DATA_ALERT_TASK } from '../activities/lifecycle.js';
import type { Actor } from '../domain/lifecycle.js';
import { COMMANDS_WAITING_MAX } from './lifecycle.js';
import { AmlDataUnavailableError, SimulatedAmlDataPartner } from '../activities/aml-data.js';
import {
  cancelDepositUpdate,
  confirmDepositUpdate,
  deposit,
  depositStateQuery,
  releaseDepositUpdate,
} from './deposit.js';

const POLICY = testDepositPolicy({ shortHoldMs: 60 * SECOND });
const pool = getPool();
const ops: Actor = { id: randomUUID(), role: 'operations' };
const aml: Actor = { id: randomUUID(), role: 'aml_officer' };
const partner = new SimulatedAmlDataPartner();
/** Sender countries the partner fails to rate this many more times (an outage), to hold the slot. */
const failingCountries = new Map<string, number>();
/** Calls of the partner that failed, in order (the test waits for the last one). */
let failedCalls = 0;

let t: TestTemporal;

beforeAll(async () => {
  t = await startTestWorker({
    deps: {
      // The screening, postings and transitions are local activities inside one workflow task, where
      // no Update can arrive. A screening whose partner is down retries locally while the backoff is
      // short (workflows/lifecycle.ts localRetryThreshold 2 s); the 4 s backoff after its fourth
      // failure is a server timer, so the workflow task completes with the confirmation still in
      // progress, and Updates arriving then meet a busy slot.
      amlData: {
        async countryRisk(country) {
          const failures = failingCountries.get(country) ?? 0;
          if (failures > 0) {
            failingCountries.set(country, failures - 1);
            failedCalls += 1;
            throw new AmlDataUnavailableError('AML data partner unavailable (test)');
          }
          return partner.countryRisk(country);
        },
      },
    },
  });
});

afterAll(async () => {
  await t?.stop();
  await closePool();
});

async function announce(clientId: string = randomUUID()) {
  const announced = await announceDeposit(t, {
    amount: '5000.00',
    policy: POLICY,
    clientId,
    start: { workflowIdConflictPolicy: 'USE_EXISTING' },
  });
  return announced.handle;
}

function refusalType(error: unknown): string | undefined {
  return error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;
}

describe('command slot', () => {
  it('an Update arriving during another change waits its turn, is checked again, and only a full queue is busy', async () => {
    const owner: Actor = { id: randomUUID(), role: 'client' };
    const handle = await announce(owner.id);
    failingCountries.set('KP', 4);
    failedCalls = 0;

    // The confirmation holds the slot across its screening's 4 s retry timer (see the partner
    // above). Cancels sent meanwhile are valid when they arrive (PENDING), so their validators
    // accept them; they wait, and when their turn comes the deposit is in AML_REVIEW: each then
    // gets the real answer, invalid_state. Past the queue's bound the answer is busy, which a retry
    // may fix.
    const confirm = handle.executeUpdate(confirmDepositUpdate, {
      args: [{ actor: ops, receivedAmount: '5000.00', senderCountry: 'KP', senderReference: 'x' }],
    });
    for (let waited = 0; failedCalls < 4; waited += 50) {
      expect(waited, 'the partner was asked four times').toBeLessThan(30 * SECOND);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // the workflow task completes with the timer
    const cancels = await Promise.allSettled(
      Array.from({ length: COMMANDS_WAITING_MAX + 2 }, () =>
        handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: owner }] }),
      ),
    );
    expect((await confirm).status).toBe('AML_REVIEW');
    const answers = cancels.map((r) => (r.status === 'rejected' ? refusalType(r.reason) : 'applied'));
    expect(answers.filter((a) => a === 'invalid_state')).toHaveLength(COMMANDS_WAITING_MAX);
    expect(answers.filter((a) => a === 'busy')).toHaveLength(2);
    const released = await handle.executeUpdate(releaseDepositUpdate, {
      args: [{ actor: aml, note: 'looked at it' }],
    });
    expect(released.status).toBe('CLEARED');
    expect((await handle.result()).status).toBe('CLEARED');
    const trial = await trialBalance(pool);
    expect(trial.balanced && trial.accountsMatchLines).toBe(true);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('a NUL in a note does not jam the lifecycle: recorded with U+FFFD, projection in step, an alert task', async () => {
    const handle = await announce();
    // The API refuses such text (400); this goes around it, straight to the workflow.
    const state = await handle.executeUpdate(confirmDepositUpdate, {
      args: [
        {
          actor: ops,
          receivedAmount: '5000.00',
          senderCountry: 'IR',
          senderReference: 'x',
          note: 'a\u0000b\ud800',
        },
      ],
    });
    expect(state.status).toBe('AML_REVIEW');
    const detail = await getLifecycle(pool, handle.workflowId);
    expect(detail?.status).toBe('AML_REVIEW');
    const tasks = await pool.query<{ kind: string; status: string; summary: string }>(
      'SELECT kind, status, summary FROM task WHERE workflow_id = $1 ORDER BY kind',
      [handle.workflowId],
    );
    const byKind = new Map(tasks.rows.map((r) => [r.kind, r]));
    expect(byKind.get(DATA_ALERT_TASK)?.status).toBe('open');
    expect(byKind.get(DATA_ALERT_TASK)?.summary).toContain('data.note');
    expect([...byKind.values()].some((r) => r.kind !== DATA_ALERT_TASK && r.status === 'open')).toBe(true);
    const event = await pool.query<{ data: { note: string } }>(
      'SELECT data FROM lifecycle_event WHERE workflow_id = $1 AND seq = 2',
      [handle.workflowId],
    );
    expect(event.rows[0]?.data.note).toBe('a\uFFFDb\uFFFD');

    // And the lifecycle goes on: the officer can act on it at once.
    const released = await handle.executeUpdate(releaseDepositUpdate, {
      args: [{ actor: aml, note: 'fine' }],
    });
    expect(released.status).toBe('CLEARED');
    expect((await handle.query(depositStateQuery)).status).toBe('CLEARED');
  });
});
