// recordTransitionIn at a seq already recorded: the same transition again, another Update's
// transition that kept its command (superseded: the workflow adopts it), and an event from before
// commands were kept (refused as before). Real PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { closePool, getPool, inTransaction } from '../db/pool.js';
import { getLifecycle } from '../db/lifecycle/index.js';
import {
  TRANSITION_CONFLICT,
  recordTransitionIn,
  type RecordTransitionInput,
  type RecordTransitionResult,
} from './lifecycle.js';

const pool = getPool();
const officer = { id: randomUUID(), role: 'aml_officer' as const };

afterAll(async () => {
  await closePool();
});

function record(
  input: RecordTransitionInput,
  runId: string | null = 'run-1',
): Promise<RecordTransitionResult> {
  return inTransaction(pool, (client) => recordTransitionIn(client, input, runId));
}

/**
 * A lifecycle at OPEN (seq 1), the input of its seq 2 by an Update that keeps its command, and the
 * expiry a timer would record at that seq instead.
 */
async function opened(): Promise<{
  base: Omit<RecordTransitionInput, 'seq' | 'entry'>;
  second: RecordTransitionInput;
  expiry: RecordTransitionInput;
}> {
  const workflowId = `test-${randomUUID()}`;
  const base = { workflowId, type: 'test', businessId: workflowId, ownerId: null };
  await record({
    ...base,
    seq: 1,
    entry: { at: '2026-01-01T00:00:00.000Z', from: null, to: 'OPEN', actor: null, reason: 'opened' },
  });
  /** A transition out of OPEN at seq 2 that closes the lifecycle. */
  const closing = (
    action: string,
    entry: Omit<RecordTransitionInput['entry'], 'from'>,
  ): RecordTransitionInput => ({
    ...base,
    seq: 2,
    action,
    entry: { ...entry, from: 'OPEN' },
    closed: true,
  });
  const second: RecordTransitionInput = {
    ...closing('close', { at: '2026-01-01T00:01:00.000Z', to: 'CLOSED', actor: officer, reason: 'done' }),
    updateId: `close:${randomUUID()}`,
    command: { action: 'close', args: { actor: officer, note: 'done' } },
  };
  const expiry = closing('expire', {
    at: '2026-01-01T00:03:00.000Z',
    to: 'EXPIRED',
    actor: null,
    reason: 'expired',
  });
  return { base, second, expiry };
}

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('recordTransitionIn at a recorded seq', () => {
  it("keeps an Update's command on its event, beside its Update id and run", async () => {
    const { second } = await opened();
    expect(await record(second)).toEqual({ recorded: true });
    const { rows } = await pool.query<{ data: Record<string, unknown> }>(
      'SELECT data FROM lifecycle_event WHERE workflow_id = $1 AND seq = 2',
      [second.workflowId],
    );
    expect(rows[0]!.data).toEqual({
      action: 'close',
      updateId: second.updateId,
      runId: 'run-1',
      command: second.command,
    });
  });

  it('answers the same Update again as recorded, with the stored time when it differs', async () => {
    const { second } = await opened();
    await record(second);
    expect(await record(second)).toEqual({ recorded: false });
    const later = { ...second, entry: { ...second.entry, at: '2026-01-01T00:02:00.000Z' } };
    expect(await record(later)).toMatchObject({ recorded: false, storedAt: second.entry.at });
  });

  it("answers another transition with the recorded Update's command and writes nothing", async () => {
    const { base, second, expiry } = await opened();
    await record(second);
    const before = await getLifecycle(pool, base.workflowId);
    const superseded = {
      seq: 2,
      to: 'CLOSED',
      updateId: second.updateId,
      command: second.command,
      actor: officer,
    };
    expect(await record(expiry)).toEqual({ recorded: false, superseded });
    // Another person's Update, even one leading to the same status, is another transition.
    const other = { ...second, updateId: `close:${randomUUID()}`, command: { action: 'close', args: {} } };
    expect(await record(other)).toEqual({ recorded: false, superseded });
    expect(await getLifecycle(pool, base.workflowId)).toEqual(before);
  });

  it('refuses another transition beside an event that kept no command, as before', async () => {
    const { second, expiry } = await opened();
    const { command: _command, ...withoutCommand } = second;
    await record(withoutCommand);
    const refused = await refusal(record(expiry));
    expect(refused.type).toBe(TRANSITION_CONFLICT);
    expect(refused.nonRetryable).toBe(true);
    // The same status by another Update is taken as the same transition, as before.
    expect(await record({ ...second, updateId: `close:${randomUUID()}` })).toEqual({ recorded: false });
  });
});
