// The bank-account verification workflow on the real dev server, with real activities and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import { closePool, getPool } from '../db/pool.js';
import { getBankAccount, insertBankAccount, usableBankAccount } from '../db/bank-accounts/index.js';
import { getHistoryArchiveSummary } from '../db/history/index.js';
import { getLifecycle } from '../db/lifecycle/index.js';
import {
  DEFAULT_BANK_ACCOUNT_POLICY,
  bankAccountStaticSummary,
  bankAccountWorkflowId,
  type BankAccountInput,
} from '../domain/bank-account.js';
import type { Actor } from '../domain/lifecycle.js';
import {
  bankAccount,
  bankAccountStateQuery,
  rejectBankAccountUpdate,
  removeBankAccountUpdate,
  verifyBankAccountUpdate,
} from './bank-account.js';

const pool = getPool();
const ops: Actor = { id: randomUUID(), role: 'operations' };
const started: string[] = [];

let t: TestTemporal;
let opsUser: Actor;

beforeAll(async () => {
  t = await startTestWorker();
  opsUser = await newUser('operations');
});

afterAll(async () => {
  await t?.stop();
  await closePool();
});

async function newUser(role: 'client' | 'operations'): Promise<Actor> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role) VALUES ($1, 'x', $2) RETURNING id`,
    [`bank-wf-${randomUUID()}@test.example`, role],
  );
  return { id: rows[0]!.id, role };
}

/** What POST /bank-accounts does: insert the registration, start its verification workflow. */
async function register(): Promise<{
  handle: WorkflowHandle<typeof bankAccount>;
  input: BankAccountInput;
  client: Actor;
}> {
  const client = await newUser('client');
  const id = randomUUID();
  const fields = {
    iban: 'DE89370400440532013000',
    bic: 'COBADEFFXXX',
    accountName: 'Ada Lovelace',
    bankName: 'Commerzbank',
    country: 'DE',
  };
  await insertBankAccount(pool, { id, clientId: client.id, ...fields });
  const input: BankAccountInput = {
    ...fields,
    bankAccountId: id,
    clientId: client.id,
    policy: DEFAULT_BANK_ACCOUNT_POLICY,
    requestedBy: client,
  };
  const handle = await t.client.workflow.start(bankAccount, {
    taskQueue: t.taskQueue,
    workflowId: bankAccountWorkflowId(id),
    args: [input],
    staticSummary: bankAccountStaticSummary(input),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  started.push(handle.workflowId);
  return { handle, input, client };
}

/** The read model row once the first transition is recorded (the start does not wait for it). */
async function waitForLifecycle(workflowId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const detail = await getLifecycle(pool, workflowId);
    if (detail || Date.now() > deadline) return detail;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The archive row of a closed workflow, once its archiver has stored it. */
async function archivedRun(workflowId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const archived = await getHistoryArchiveSummary(pool, workflowId);
    if (archived || Date.now() > deadline) return archived;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected the Update to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
}

describe('bank account verification workflow', () => {
  it('registered → verify task → VERIFIED (usable for withdrawals) → removed', async () => {
    const { handle, input, client } = await register();
    const pending = await handle.query(bankAccountStateQuery);
    expect(pending).toMatchObject({
      status: 'PENDING_VERIFICATION',
      clientId: client.id,
      id: input.bankAccountId,
    });
    const detail = await waitForLifecycle(handle.workflowId);
    expect(detail).toMatchObject({
      type: 'bank_account',
      businessId: input.bankAccountId,
      ownerId: client.id,
      status: 'PENDING_VERIFICATION',
    });
    expect(detail!.tasks).toEqual([
      expect.objectContaining({
        kind: 'bank_account.verify',
        requiredRole: 'operations',
        status: 'open',
        subjectId: input.bankAccountId,
      }),
    ]);
    expect(await usableBankAccount(pool, client.id, input.bankAccountId)).toBeNull();

    expect(
      (await refusal(handle.executeUpdate(verifyBankAccountUpdate, { args: [{ actor: client }] }))).type,
    ).toBe('forbidden');
    const verified = await handle.executeUpdate(verifyBankAccountUpdate, {
      args: [{ actor: opsUser, note: 'Matches the bank statement' }],
    });
    expect(verified.status).toBe('VERIFIED');
    expect(await getBankAccount(pool, input.bankAccountId)).toMatchObject({
      status: 'VERIFIED',
      verifiedBy: opsUser.id,
      verificationNote: 'Matches the bank statement',
    });
    expect(await usableBankAccount(pool, client.id, input.bankAccountId)).not.toBeNull();
    expect(await usableBankAccount(pool, randomUUID(), input.bankAccountId)).toBeNull();
    const afterVerify = await getLifecycle(pool, handle.workflowId);
    expect(afterVerify!.tasks[0]).toMatchObject({
      status: 'done',
      outcome: 'verified',
      completedBy: opsUser.id,
    });
    expect(afterVerify!.closedAt).toBeNull();

    expect(
      (await refusal(handle.executeUpdate(verifyBankAccountUpdate, { args: [{ actor: opsUser }] }))).type,
    ).toBe('invalid_state');
    expect(
      (await refusal(handle.executeUpdate(removeBankAccountUpdate, { args: [{ actor: ops }] }))).type,
    ).toBe('forbidden');
    const removed = await handle.executeUpdate(removeBankAccountUpdate, { args: [{ actor: client }] });
    expect(removed.status).toBe('REMOVED');
    expect(await getBankAccount(pool, input.bankAccountId)).toMatchObject({
      status: 'REMOVED',
      removedBy: client.id,
    });
    expect((await handle.result()).timeline.map((e) => e.to)).toEqual([
      'PENDING_VERIFICATION',
      'VERIFIED',
      'REMOVED',
    ]);
  });

  it('reject needs a reason and is final', async () => {
    const { handle, input } = await register();
    expect(
      (
        await refusal(
          handle.executeUpdate(rejectBankAccountUpdate, { args: [{ actor: opsUser, reason: ' ' }] }),
        )
      ).type,
    ).toBe('validation_failed');
    const rejected = await handle.executeUpdate(rejectBankAccountUpdate, {
      args: [{ actor: opsUser, reason: 'Account holder differs from the client' }],
    });
    expect(rejected.status).toBe('REJECTED');
    expect((await handle.result()).status).toBe('REJECTED');
    expect(await getBankAccount(pool, input.bankAccountId)).toMatchObject({
      status: 'REJECTED',
      rejectedBy: opsUser.id,
      rejectionReason: 'Account holder differs from the client',
    });
    const detail = await getLifecycle(pool, handle.workflowId);
    expect(detail!.closedAt).not.toBeNull();
    expect(detail!.tasks[0]).toMatchObject({ status: 'done', outcome: 'rejected' });
    // Closed, so its history is archived into PostgreSQL (workflows/archive.ts).
    const archived = await archivedRun(handle.workflowId);
    expect(archived).toMatchObject({ type: 'bankAccount', runId: (await handle.describe()).runId });
  });

  it('cannot be removed while a withdrawal to it is in flight', async () => {
    const { handle, input, client } = await register();
    await handle.executeUpdate(verifyBankAccountUpdate, { args: [{ actor: opsUser }] });
    // A withdrawal lifecycle as the withdrawal projection writes it: open, paying to this account.
    const withdrawalId = randomUUID();
    await pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       VALUES ($1, 'withdrawal', $2, $3, 'PENDING_APPROVAL', $4, now(), now(), 1)`,
      [
        `withdrawal-${withdrawalId}`,
        withdrawalId,
        client.id,
        JSON.stringify({ bankAccountId: input.bankAccountId }),
      ],
    );
    const refused = await refusal(
      handle.executeUpdate(removeBankAccountUpdate, { args: [{ actor: client }] }),
    );
    expect(refused.type).toBe('invalid_state');
    expect(refused.message).toMatch(/withdrawal/);
    expect((await handle.query(bankAccountStateQuery)).status).toBe('VERIFIED');
    expect((await getBankAccount(pool, input.bankAccountId))!.status).toBe('VERIFIED');

    await pool.query(`UPDATE lifecycle SET status = 'COMPLETED', closed_at = now() WHERE workflow_id = $1`, [
      `withdrawal-${withdrawalId}`,
    ]);
    expect((await handle.executeUpdate(removeBankAccountUpdate, { args: [{ actor: client }] })).status).toBe(
      'REMOVED',
    );
  });

  it('every bank-account workflow of this file replays deterministically', async () => {
    await replayWorkflows(t.client, started, { includeRunning: true });
    expect(started.length).toBeGreaterThanOrEqual(3);
  });
});
