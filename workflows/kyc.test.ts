// The KYC review workflow on the real dev server, with a real worker, real activities and
// PostgreSQL. Approvals last seconds, not a year.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool, getPool } from '../db/pool.js';
import { getHistoryArchiveSummary } from '../db/history/index.js';
import { getLifecycle, listTasks } from '../db/lifecycle/index.js';
import { clientKycStatus, insertKycDocument, listKycDocuments } from '../db/kyc/index.js';
import {
  kycPolicy,
  kycWorkflowId,
  type KycDocumentRef,
  type KycDocumentType,
  type KycPolicy,
  type KycState,
} from '../domain/kyc.js';
import type { Actor } from '../domain/lifecycle.js';
import {
  approveKycUpdate,
  kyc,
  kycStateQuery,
  rejectKycUpdate,
  requestKycChangesUpdate,
  submitKycUpdate,
} from './kyc.js';
import { archiveWorkflowId } from './archive.js';

const SECOND = 1000;
const TEST_POLICY: KycPolicy = kycPolicy({ approvalValidityMs: 600 * SECOND, reviewDueMs: 60 * SECOND });

const pool = getPool();
const ops: Actor = { id: randomUUID(), role: 'operations' };
const admin: Actor = { id: randomUUID(), role: 'admin' };
const aml: Actor = { id: randomUUID(), role: 'aml_officer' };
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff' +
    'ff3f0005fe02fea7d6a4e00000000049454e44ae426082',
  'hex',
);

let t: TestTemporal;

beforeAll(async () => {
  t = await startTestWorker();
});

afterAll(async () => {
  await t?.stop();
  await closePool();
});

async function newClient(): Promise<Actor> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role) VALUES ($1, 'x', 'client') RETURNING id`,
    [`kyc-wf-${randomUUID()}@test.example`],
  );
  return { id: rows[0]!.id, role: 'client' };
}

async function upload(client: Actor, type: KycDocumentType): Promise<KycDocumentRef> {
  const content = Buffer.concat([PNG, Buffer.from(randomUUID())]);
  const { document } = await insertKycDocument(pool, {
    id: randomUUID(),
    clientId: client.id,
    type,
    filename: `${type}.png`,
    contentType: 'image/png',
    sha256: createHash('sha256').update(content).digest('hex'),
    content,
    uploadedBy: client.id,
  });
  return { id: document.id, type: document.type };
}

/** What POST /kyc/submit does: update-with-start, so the first submission creates the workflow. */
function submit(
  client: Actor,
  documents: KycDocumentRef[],
  policy: KycPolicy = TEST_POLICY,
): Promise<KycState> {
  return t.client.workflow.executeUpdateWithStart(submitKycUpdate, {
    args: [{ actor: client, documents }],
    startWorkflowOperation: new WithStartWorkflowOperation(kyc, {
      workflowId: kycWorkflowId(client.id),
      taskQueue: t.taskQueue,
      args: [{ clientId: client.id, policy }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
}

const handleOf = (client: Actor): WorkflowHandle<typeof kyc> =>
  t.client.workflow.getHandle(kycWorkflowId(client.id));

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected the Update to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The run id once it differs from `previous` (continue-as-new happened). */
async function nextRunId(handle: WorkflowHandle, previous: string): Promise<string> {
  const { runId } = await waitFor(
    () => handle.describe(),
    (d) => d.runId !== previous,
  );
  return runId;
}

const path = (state: { timeline: { from: string | null; to: string }[] }) =>
  state.timeline.map((e) => `${e.from ?? '∅'}→${e.to}`);

async function documentStatuses(client: Actor): Promise<Record<string, string>> {
  return Object.fromEntries((await listKycDocuments(pool, client.id)).map((d) => [d.id, d.status]));
}

describe('KYC review workflow', () => {
  it('submit → changes requested → resubmit → approved, continuing-as-new after each decision', async () => {
    const client = await newClient();
    const passport = await upload(client, 'passport');
    const bill = await upload(client, 'proof_of_address');

    const submitted = await submit(client, [passport, bill]);
    expect(submitted).toMatchObject({
      status: 'PENDING_REVIEW',
      clientId: client.id,
      workflowId: kycWorkflowId(client.id),
      submission: { cycle: 1, documents: [passport, bill] },
      decision: null,
      runs: 0,
      allowedActions: ['approve', 'reject', 'request_changes'],
    });
    expect(path(submitted)).toEqual(['∅→NOT_STARTED', 'NOT_STARTED→PENDING_REVIEW']);
    expect(submitted.timeline[1]!.actor).toEqual(client);
    expect(await clientKycStatus(pool, client.id)).toBe('PENDING_REVIEW');
    expect(await documentStatuses(client)).toEqual({ [passport.id]: 'SUBMITTED', [bill.id]: 'SUBMITTED' });

    // The read model: lifecycle row, numbered events, a review task for operations.
    const detail = await getLifecycle(pool, kycWorkflowId(client.id));
    expect(detail).toMatchObject({
      type: 'kyc',
      businessId: client.id,
      ownerId: client.id,
      status: 'PENDING_REVIEW',
      lastSeq: 2,
    });
    expect(detail!.tasks).toEqual([
      expect.objectContaining({
        kind: 'kyc.review',
        requiredRole: 'operations',
        status: 'open',
        subjectType: 'kyc',
        subjectId: client.id,
      }),
    ]);
    const inbox = await listTasks(pool, { roles: ['operations'], kind: 'kyc.review', limit: 200 });
    expect(inbox.items.some((task) => task.subjectId === client.id)).toBe(true);

    // A second submission while one is under review, or a client deciding, is refused.
    expect((await refusal(submit(client, [passport, bill]))).type).toBe('invalid_state');
    expect(
      (await refusal(handleOf(client).executeUpdate(approveKycUpdate, { args: [{ actor: client }] }))).type,
    ).toBe('forbidden');
    expect(
      (await refusal(handleOf(client).executeUpdate(approveKycUpdate, { args: [{ actor: aml }] }))).type,
    ).toBe('forbidden');
    expect(
      (
        await refusal(
          handleOf(client).executeUpdate(requestKycChangesUpdate, { args: [{ actor: ops, comments: ' ' }] }),
        )
      ).type,
    ).toBe('validation_failed');

    const firstRun = (await handleOf(client).describe()).runId;
    const changes = await handleOf(client).executeUpdate(requestKycChangesUpdate, {
      args: [{ actor: ops, comments: 'The utility bill is older than three months; upload a recent one.' }],
    });
    expect(changes).toMatchObject({
      status: 'CHANGES_REQUESTED',
      decision: {
        action: 'request_changes',
        cycle: 1,
        actor: ops,
        text: 'The utility bill is older than three months; upload a recent one.',
      },
      allowedActions: ['submit'],
    });
    expect(await clientKycStatus(pool, client.id)).toBe('CHANGES_REQUESTED');
    expect(await documentStatuses(client)).toEqual({ [passport.id]: 'RETURNED', [bill.id]: 'RETURNED' });
    const closedTask = (await getLifecycle(pool, kycWorkflowId(client.id)))!.tasks[0]!;
    expect(closedTask).toMatchObject({ status: 'done', outcome: 'changes_requested', completedBy: ops.id });

    // The decision ended a cycle: the workflow continued as new, carrying status and timeline.
    const secondRun = await nextRunId(handleOf(client), firstRun);
    const carried = await handleOf(client).query(kycStateQuery);
    expect(carried.runs).toBe(1);
    expect(carried.status).toBe('CHANGES_REQUESTED');
    expect(carried.timeline).toEqual(changes.timeline);
    expect(carried.decision).toEqual(changes.decision);

    // A fresh bill, resubmitted with the passport the reviewer kept: cycle 2, numbering continues.
    const freshBill = await upload(client, 'proof_of_address');
    const resubmitted = await submit(client, [passport, freshBill]);
    expect(resubmitted).toMatchObject({
      status: 'PENDING_REVIEW',
      submission: { cycle: 2, documents: [passport, freshBill] },
    });
    const approved = await handleOf(client).executeUpdate(approveKycUpdate, {
      args: [{ actor: admin, note: 'All in order' }],
    });
    expect(approved.status).toBe('APPROVED');
    expect(approved.approvedAt).not.toBeNull();
    expect(Date.parse(approved.expiresAt!) - Date.parse(approved.approvedAt!)).toBe(
      TEST_POLICY.approvalValidityMs,
    );
    expect(path(approved)).toEqual([
      '∅→NOT_STARTED',
      'NOT_STARTED→PENDING_REVIEW',
      'PENDING_REVIEW→CHANGES_REQUESTED',
      'CHANGES_REQUESTED→PENDING_REVIEW',
      'PENDING_REVIEW→APPROVED',
    ]);
    expect(approved.timeline[4]).toMatchObject({ actor: admin, reason: 'All in order' });
    expect(await clientKycStatus(pool, client.id)).toBe('APPROVED');
    expect(await documentStatuses(client)).toEqual({
      [passport.id]: 'ACCEPTED',
      [bill.id]: 'RETURNED',
      [freshBill.id]: 'ACCEPTED',
    });

    const thirdRun = await nextRunId(handleOf(client), secondRun);
    expect(thirdRun).not.toBe(firstRun);
    expect((await handleOf(client).query(kycStateQuery)).runs).toBe(2);
    const final = await getLifecycle(pool, kycWorkflowId(client.id));
    expect(final).toMatchObject({ status: 'APPROVED', lastSeq: 5, closedAt: null });
    expect(final!.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(final!.tasks.map((task) => task.status)).toEqual(['done', 'done']);
    // Each run's history stays short.
    const history = await handleOf(client).fetchHistory();
    expect(history.events!.length).toBeLessThan(40);
    // Continuing as new is not closing: no archiver was started (only a REJECTED review closes).
    await expect(
      t.client.workflow.getHandle(archiveWorkflowId(kycWorkflowId(client.id))).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await getHistoryArchiveSummary(pool, kycWorkflowId(client.id))).toBeNull();
    const owed = await pool.query('SELECT 1 FROM history_archive_due WHERE workflow_id = $1', [
      kycWorkflowId(client.id),
    ]);
    expect(owed.rowCount).toBe(0);
  });

  it('reject is final: the workflow ends, nothing more can be submitted', async () => {
    const client = await newClient();
    const docs = [await upload(client, 'national_id'), await upload(client, 'proof_of_address')];
    await submit(client, docs);
    expect(
      (await refusal(handleOf(client).executeUpdate(rejectKycUpdate, { args: [{ actor: ops, reason: '' }] })))
        .type,
    ).toBe('validation_failed');
    const rejected = await handleOf(client).executeUpdate(rejectKycUpdate, {
      args: [{ actor: ops, reason: 'Identity could not be confirmed' }],
    });
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      allowedActions: [],
      decision: { action: 'reject', text: 'Identity could not be confirmed' },
    });
    const result = await handleOf(client).result();
    expect(result.status).toBe('REJECTED');
    expect(result.closedAt).not.toBeNull();
    expect(await clientKycStatus(pool, client.id)).toBe('REJECTED');
    const detail = await getLifecycle(pool, kycWorkflowId(client.id));
    expect(detail).toMatchObject({ status: 'REJECTED' });
    expect(detail!.closedAt).not.toBeNull();
    // Closed for good, so its history (this last run's) is archived into PostgreSQL.
    const deadline = Date.now() + 20_000;
    let archived = await getHistoryArchiveSummary(pool, kycWorkflowId(client.id));
    while (!archived && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      archived = await getHistoryArchiveSummary(pool, kycWorkflowId(client.id));
    }
    expect(archived).toMatchObject({ type: 'kyc', runId: (await handleOf(client).describe()).runId });
    // The workflow id cannot be reused: a new submission fails to start.
    await expect(submit(client, docs)).rejects.toThrow();
  });

  it('an approval expires to EXPIRED; expired documents no longer count; fresh ones start a new review', async () => {
    const client = await newClient();
    const docs = [await upload(client, 'passport'), await upload(client, 'proof_of_address')];
    await submit(client, docs, kycPolicy({ approvalValidityMs: 2 * SECOND, reviewDueMs: 60 * SECOND }));
    const submittedRun = (await handleOf(client).describe()).runId;
    const approved = await handleOf(client).executeUpdate(approveKycUpdate, { args: [{ actor: ops }] });
    expect(approved.status).toBe('APPROVED');
    expect(await clientKycStatus(pool, client.id)).toBe('APPROVED');
    const approvedRun = await nextRunId(handleOf(client), submittedRun);

    const status = await waitFor(
      () => clientKycStatus(pool, client.id),
      (s) => s === 'EXPIRED',
    );
    expect(status).toBe('EXPIRED');
    // The expiry ends a cycle too: the run that expired continues as new.
    await nextRunId(handleOf(client), approvedRun);
    const expired = await handleOf(client).query(kycStateQuery);
    expect(expired.status).toBe('EXPIRED');
    expect(path(expired).slice(-2)).toEqual(['PENDING_REVIEW→APPROVED', 'APPROVED→EXPIRED']);
    expect(expired.timeline.at(-1)!.actor).toBeNull();
    expect(expired.allowedActions).toEqual(['submit']);
    expect(Object.values(await documentStatuses(client))).toEqual(['EXPIRED', 'EXPIRED']);

    // The old documents are refused by the activity (the API would not even offer them).
    const stale = await refusal(submit(client, docs));
    expect(stale.type).toBe('kyc_documents_missing');
    expect((await handleOf(client).query(kycStateQuery)).status).toBe('EXPIRED');

    const fresh = [await upload(client, 'passport'), await upload(client, 'proof_of_address')];
    const again = await submit(client, fresh);
    expect(again).toMatchObject({ status: 'PENDING_REVIEW', submission: { cycle: 2, documents: fresh } });
    expect(await clientKycStatus(pool, client.id)).toBe('PENDING_REVIEW');
    const detail = await getLifecycle(pool, kycWorkflowId(client.id));
    expect(detail!.events.map((e) => `${e.seq}:${e.to}`)).toEqual([
      '1:NOT_STARTED',
      '2:PENDING_REVIEW',
      '3:APPROVED',
      '4:EXPIRED',
      '5:PENDING_REVIEW',
    ]);
    expect(detail!.tasks.filter((task) => task.status === 'open')).toHaveLength(1);
  });

  it('refuses a submission that misses a required document, before anything happens', async () => {
    const client = await newClient();
    const passport = await upload(client, 'passport');
    const refused = await refusal(submit(client, [passport]));
    expect(refused.type).toBe('validation_failed');
    expect(refused.message).toMatch(/proof of address/);
    // update-with-start created the workflow (NOT_STARTED) even though the Update was refused.
    const state = await handleOf(client).query(kycStateQuery);
    expect(state.status).toBe('NOT_STARTED');
    expect(await clientKycStatus(pool, client.id)).toBe('NOT_STARTED');
    // Someone else's document is refused by the activity.
    const stranger = await newClient();
    const foreign = await upload(stranger, 'proof_of_address');
    expect((await refusal(submit(client, [passport, foreign]))).type).toBe('kyc_documents_missing');
    expect((await handleOf(client).query(kycStateQuery)).status).toBe('NOT_STARTED');
    const own = await upload(client, 'proof_of_address');
    expect((await submit(client, [passport, own])).status).toBe('PENDING_REVIEW');
  });

  it('every KYC run of this file replays deterministically against the current code', async () => {
    const histories = t.client.workflow
      .list({ query: `TaskQueue = "${t.taskQueue}" AND WorkflowType = "kyc"` })
      .intoHistories();
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      histories,
    )) {
      expect(result.error, result.workflowId).toBeUndefined();
      replayed += 1;
    }
    expect(replayed).toBeGreaterThanOrEqual(4);
  });
});
