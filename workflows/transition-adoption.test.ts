// A transition's local activity commits before its workflow task completes. When that task is lost
// (an admitted Update lives only in the server's memory until accepted, so a Temporal restart forgets
// it), the read model holds a "ghost": an Update's transition the run never applied. The run adopts
// it: the next transition it makes at that seq (a timer's, another person's Update) finds the ghost's
// command there, applies that first, then re-evaluates what it was doing against the new state.
// Each test writes the lost task's trace by hand (the same activities, run with the workflow's
// identity, no Update) and lets the run meet it. Real dev server, worker, activities, PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { announceDeposit, SECOND, testDepositPolicy } from '../tests/support/deposit-workflow.js';
import { closePool, getPool } from '../db/pool.js';
import { getClientBalances, trialBalance } from '../db/ledger/index.js';
import { getLifecycle } from '../db/lifecycle/index.js';
import { SimulatedAmlDataPartner } from '../activities/aml-data.js';
import {
  createDepositActivities,
  type DepositPostingStep,
  type ScreenDepositOnceInput,
} from '../activities/deposit.js';
import { createLifecycleActivities, type RecordTransitionInput } from '../activities/lifecycle.js';
import {
  DEPOSIT_TASKS,
  type DepositInput,
  type DepositScreening,
  type DepositState,
} from '../domain/deposit.js';
import type { Actor, TimelineEntry } from '../domain/lifecycle.js';
import {
  cancelDepositUpdate,
  confirmDepositUpdate,
  deposit,
  depositStateQuery,
  releaseDepositUpdate,
} from './deposit.js';

// Long enough to write the ghost before the timer that meets it (each test checks it won that race).
const POLICY = testDepositPolicy({ shortHoldMs: 5 * SECOND });
const AMOUNT = '250.00';
const AMOUNT_MINOR = 25_000n;

const pool = getPool();
const amlData = new SimulatedAmlDataPartner();
const depositActivities = createDepositActivities({ pool, amlData });
const lifecycleActivities = createLifecycleActivities(pool);
const ops: Actor = { id: randomUUID(), role: 'operations' };
const officer: Actor = { id: randomUUID(), role: 'aml_officer' };
const secondOfficer: Actor = { id: randomUUID(), role: 'aml_officer' };
const started: string[] = [];

let t: TestTemporal;

beforeAll(async () => {
  t = await startTestWorker({ deps: { amlData } });
});

afterAll(async () => {
  await t?.stop();
  await closePool();
});

interface Announced {
  handle: WorkflowHandle<typeof deposit>;
  input: DepositInput;
  client: Actor;
  runId: string;
}

async function announce(): Promise<Announced> {
  const { handle, input, client } = await announceDeposit(t, { amount: AMOUNT, policy: POLICY });
  started.push(handle.workflowId);
  await waitForSeq(handle.workflowId, 1);
  const { runId } = await handle.describe();
  return { handle, input, client, runId };
}

/** Confirmed by operations through its Update: ON_HOLD for POLICY.shortHoldMs. */
async function confirmed(): Promise<Announced & { onHold: DepositState }> {
  const announced = await announce();
  const onHold = await announced.handle.executeUpdate(confirmDepositUpdate, {
    args: [
      { actor: ops, receivedAmount: AMOUNT, senderCountry: 'DE', senderReference: announced.input.reference },
    ],
    updateId: `confirm:${randomUUID()}`,
  });
  expect(onHold.status).toBe('ON_HOLD');
  return { ...announced, onHold };
}

async function waitForSeq(workflowId: string, seq: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const row = await getLifecycle(pool, workflowId);
    if (row && row.timeline.length >= seq) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${workflowId} never recorded transition ${seq}`);
}

interface Ghost {
  action: string;
  command: { action: string; args: unknown };
  entry: TimelineEntry;
  attributes: Record<string, unknown>;
  data?: Record<string, unknown>;
  closeTasks: RecordTransitionInput['closeTasks'];
  openTasks?: RecordTransitionInput['openTasks'];
  closed: boolean;
  /** The deposit posting recorded with it, as recordTransitionWithDepositPosting does. */
  posting?: DepositPostingStep;
}

/**
 * What the lost workflow task committed: the Update's transition at the next seq (with its posting),
 * through the very activity the workflow runs, under the run's identity; no Update reached the run.
 */
async function writeGhost(d: Announced, ghost: Ghost): Promise<string> {
  const row = await getLifecycle(pool, d.handle.workflowId);
  const updateId = `${ghost.command.action}:${randomUUID()}`;
  const transition: RecordTransitionInput = {
    workflowId: d.handle.workflowId,
    type: 'deposit',
    businessId: d.input.businessId,
    ownerId: d.client.id,
    seq: row!.timeline.length + 1,
    action: ghost.action,
    entry: ghost.entry,
    attributes: { ...row!.attributes, ...ghost.attributes },
    data: ghost.data,
    closeTasks: ghost.closeTasks,
    openTasks: ghost.openTasks,
    closed: ghost.closed,
    updateId,
    command: ghost.command,
  };
  const workflowExecution = { workflowId: d.handle.workflowId, runId: d.runId };
  const result = ghost.posting
    ? await new MockActivityEnvironment({
        workflowExecution,
        activityType: 'recordTransitionWithDepositPosting',
      }).run(depositActivities.recordTransitionWithDepositPosting, {
        posting: { step: ghost.posting, clientId: d.client.id, currency: 'EUR' as const, amount: AMOUNT },
        transition,
      })
    : await new MockActivityEnvironment({ workflowExecution, activityType: 'recordTransition' }).run(
        lifecycleActivities.recordTransition,
        transition,
      );
  // recorded: true means the ghost came first (the run had not reached this seq yet).
  expect(result).toMatchObject({ recorded: true });
  return updateId;
}

const steps = (timeline: TimelineEntry[]) =>
  timeline.map((e) => ({ at: e.at, from: e.from, to: e.to, actor: e.actor, reason: e.reason }));

/** The run ended as the read model says, never met a transition_conflict, and the books balance. */
async function expectAgreed(handle: WorkflowHandle<typeof deposit>, status: string): Promise<DepositState> {
  const final = await handle.result();
  expect(final.status).toBe(status);
  const row = await getLifecycle(pool, handle.workflowId);
  expect(row!.status).toBe(status);
  expect(steps(row!.timeline)).toEqual(steps(final.timeline));
  // A transition_conflict would show as a failure (plain text in history), never as a payload.
  const history = await handle.fetchHistory();
  expect(JSON.stringify(history)).not.toContain('transition_conflict');
  expect(patchesOf(history.events ?? [])).toContain('adopt-recorded-transition');
  expect(await trialBalance(pool)).toMatchObject({ balanced: true, accountsMatchLines: true });
  return final;
}

/** The ids of the patch markers in a history (each marker's payload is JSON `{ id, deprecated }`). */
function patchesOf(events: { markerRecordedEventAttributes?: MarkerAttributes | null }[]): string[] {
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data =
      marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : null;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
}

type MarkerAttributes = {
  markerName?: string | null;
  details?: Record<string, { payloads?: { data?: Uint8Array | null }[] | null }> | null;
};

async function entriesWithKey(key: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM journal_entry WHERE idempotency_key = $1',
    [key],
  );
  return rows[0]!.n;
}

async function balance(clientId: string): Promise<{ available: bigint; held: bigint }> {
  const eur = (await getClientBalances(pool, clientId)).find((b) => b.asset === 'EUR');
  return { available: eur?.available ?? 0n, held: eur?.held ?? 0n };
}

async function refusalOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the Update to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const closeAmlReview = (outcome: string, by: Actor) => [
  { kind: DEPOSIT_TASKS.amlReview, outcome, completedBy: by.id },
];

/** A lost task's extension of the hold to `until` by the officer. */
async function writeExtension(d: Announced & { onHold: DepositState }, until: string, note: string) {
  await writeGhost(d, {
    action: 'extend',
    command: { action: 'extend', args: { actor: officer, until, note } },
    entry: { at: new Date().toISOString(), from: 'ON_HOLD', to: 'ON_HOLD', actor: officer, reason: note },
    attributes: { holdUntil: until },
    data: { previousHoldUntil: d.onHold.holdUntil, holdUntil: until },
    closeTasks: closeAmlReview('extended', officer),
    closed: false,
  });
}

describe('a ghost transition met by a timer', () => {
  it('the hold ends on a deposit a lost task rejected: the rejection is adopted, returned once, never cleared', async () => {
    const d = await confirmed();
    const reason = 'Sender could not be identified';
    await writeGhost(d, {
      action: 'reject',
      command: { action: 'reject', args: { actor: officer, reason } },
      entry: { at: new Date().toISOString(), from: 'ON_HOLD', to: 'REJECTED', actor: officer, reason },
      attributes: { holdUntil: null },
      closeTasks: closeAmlReview('rejected', officer),
      closed: true,
      posting: 'return',
    });

    // Before the fix the hold's end was refused (transition_conflict) and failed the workflow.
    const final = await expectAgreed(d.handle, 'REJECTED');
    expect(final.timeline[2]).toMatchObject({ from: 'ON_HOLD', to: 'REJECTED', actor: officer, reason });
    expect(final.holdUntil).toBeNull();
    const wf = d.handle.workflowId;
    expect(await entriesWithKey(`${wf}/confirm`)).toBe(1);
    expect(await entriesWithKey(`${wf}/return`)).toBe(1);
    expect(await entriesWithKey(`${wf}/clear`)).toBe(0);
    expect(await balance(d.client.id)).toEqual({ available: 0n, held: 0n });
  });

  it('the hold ends on a deposit a lost task extended: the extension is adopted and the new hold end waited for', async () => {
    const d = await confirmed();
    const until = new Date(Date.parse(d.onHold.holdUntil!) + 3 * SECOND).toISOString();
    const note = 'Waiting for the sender bank';
    await writeExtension(d, until, note);

    const final = await expectAgreed(d.handle, 'CLEARED');
    expect(final.timeline.map((e) => e.to)).toEqual(['PENDING', 'ON_HOLD', 'ON_HOLD', 'CLEARED']);
    expect(final.timeline[2]).toMatchObject({ actor: officer, reason: note });
    expect(final.timeline[3]).toMatchObject({ actor: null, reason: 'Hold period ended' });
    // The timer's step was looked at again after the adoption: the hold now ends later.
    expect(Date.parse(final.timeline[3]!.at)).toBeGreaterThanOrEqual(Date.parse(until));
    expect(final.holdUntil).toBe(until);
    expect(await entriesWithKey(`${d.handle.workflowId}/clear`)).toBe(1);
    expect(await balance(d.client.id)).toEqual({ available: AMOUNT_MINOR, held: 0n });
  });
});

describe("a ghost transition met by another person's Update", () => {
  it('a cancel after a confirmation a lost task recorded is refused invalid_state; the deposit clears', async () => {
    const d = await announce();
    const confirmedAt = new Date().toISOString();
    // The lost task's screening (kept per attempt, as screenDepositOnce keeps it), then its transition.
    const screenInput: ScreenDepositOnceInput = {
      clientId: d.client.id,
      currency: 'EUR',
      announcedAmount: AMOUNT,
      receivedAmount: AMOUNT,
      expectedReference: d.input.reference,
      announcedReference: null,
      senderReference: d.input.reference,
      senderCountry: 'DE',
      asOf: confirmedAt,
      policy: POLICY.aml,
      attempt: 1,
    };
    const screening = await new MockActivityEnvironment({
      workflowExecution: { workflowId: d.handle.workflowId, runId: d.runId },
      activityType: 'screenDepositOnce',
    }).run<[ScreenDepositOnceInput], DepositScreening, typeof depositActivities.screenDepositOnce>(
      depositActivities.screenDepositOnce,
      screenInput,
    );
    expect(screening.decision).toBe('short_hold');
    const holdUntil = new Date(Date.parse(confirmedAt) + POLICY.shortHoldMs).toISOString();
    const reason = `Received ${AMOUNT} EUR; on hold until ${holdUntil}`;
    const args = {
      actor: ops,
      receivedAmount: AMOUNT,
      senderCountry: 'DE',
      senderReference: d.input.reference,
    };
    await writeGhost(d, {
      action: 'confirm',
      command: { action: 'confirm', args },
      entry: { at: confirmedAt, from: 'PENDING', to: 'ON_HOLD', actor: ops, reason },
      attributes: { receivedAmount: AMOUNT, receivedAt: confirmedAt, confirmedAt, holdUntil },
      data: { receivedAmount: AMOUNT, receivedAt: confirmedAt, note: null, screening, holdUntil },
      closeTasks: [{ kind: DEPOSIT_TASKS.confirmReceipt, outcome: 'confirmed', completedBy: ops.id }],
      closed: false,
      posting: 'confirm',
    });

    // The run still says PENDING, so the validator lets the cancel in; applying it meets the ghost.
    const cancel = d.handle.executeUpdate(cancelDepositUpdate, { args: [{ actor: d.client }] });
    const refused = await refusalOf(cancel);
    expect(refused.type).toBe('invalid_state'); // before the fix: transition_conflict
    const state = await d.handle.query(depositStateQuery);
    expect(state.status).toBe('ON_HOLD');
    expect(state.holdUntil).toBe(holdUntil);

    const final = await expectAgreed(d.handle, 'CLEARED');
    expect(final.timeline[1]).toMatchObject({ at: confirmedAt, actor: ops, reason });
    const wf = d.handle.workflowId;
    expect(await entriesWithKey(`${wf}/confirm`)).toBe(1);
    expect(await entriesWithKey(`${wf}/clear`)).toBe(1);
    expect(await balance(d.client.id)).toEqual({ available: AMOUNT_MINOR, held: 0n });
  });

  it('a release after an extension a lost task recorded is checked again, still valid, and applied', async () => {
    const d = await confirmed();
    const until = new Date(Date.parse(d.onHold.holdUntil!) + 60 * SECOND).toISOString();
    const note = 'More documents requested';
    await writeExtension(d, until, note);

    const released = await d.handle.executeUpdate(releaseDepositUpdate, {
      args: [{ actor: secondOfficer, note: 'Documents are in order' }],
      updateId: `release:${randomUUID()}`,
    });
    expect(released.status).toBe('CLEARED');
    const final = await expectAgreed(d.handle, 'CLEARED');
    expect(final.timeline.map((e) => [e.to, e.actor])).toEqual([
      ['PENDING', d.client],
      ['ON_HOLD', ops],
      ['ON_HOLD', officer],
      ['CLEARED', secondOfficer],
    ]);
    expect(await entriesWithKey(`${d.handle.workflowId}/clear`)).toBe(1);
    expect(await balance(d.client.id)).toEqual({ available: AMOUNT_MINOR, held: 0n });
  });

  it('every deposit of this file replays deterministically against the current code', async () => {
    expect(await replayWorkflows(t.client, started)).toBe(started.length);
  });
});
