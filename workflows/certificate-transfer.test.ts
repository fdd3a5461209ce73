// Certificate transfers out on the real dev server: real worker and activities, real PostgreSQL,
// the simulated registry with its own transfer ledger (faults injected per account). The point is
// exactly-once delivery: an answer lost after the registry moved the certificates, and an outage,
// end in one delivery at the registry and one posting in the ledger.
import { randomInt, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedRegistry } from '../activities/registry-adapter.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry, trialBalance } from '../db/ledger/index.js';
import { closePool, getPool } from '../db/pool.js';
import {
  certificateTransferPolicy,
  certificateTransferWorkflowId,
  type CertificateTransferInput,
  type CertificateTransferState,
} from '../domain/certificate-transfer.js';
import type { Actor } from '../domain/lifecycle.js';
import { registryTransferIn } from '../domain/postings.js';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import {
  approveCertificateTransferUpdate,
  certificateTransfer,
  certificateTransferRequestUpdate,
  certificateTransferStateQuery,
} from './certificate-transfer.js';

const POLICY = certificateTransferPolicy({ deliveryTimeoutMs: 2_000 });
const pool = getPool();
const registry = new SimulatedRegistry(pool, {});
const OPS: Actor = { id: randomUUID(), role: 'operations' };
let t: TestTemporal;
const workflows: string[] = [];

beforeAll(async () => {
  t = await startTestWorker({ deps: { registry } });
  await ensureSystemAccounts(pool);
});
afterAll(async () => {
  await t?.stop();
  await closePool();
});
afterEach(async () => {
  registry.options.outage = false;
  const trial = await trialBalance(pool);
  expect(trial.balanced).toBe(true);
  expect(trial.accountsMatchLines).toBe(true);
});

/** A client with approved KYC, a VERIFIED EU account and 100 EUA; and its OUT transfer of 40, requested. */
async function requestedOut() {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name, kyc_status)
     VALUES ($1, 'x', 'client', 'Transfer test', 'APPROVED') RETURNING id`,
    [`transfer-${randomUUID()}@test.example`],
  );
  const client: Actor = { id: rows[0]!.id, role: 'client' };
  const accountId = `EU-100-${randomInt(1_000_000, 9_999_999)}-0-42`;
  const registryAccountId = randomUUID();
  await pool.query(
    `INSERT INTO registry_account (id, client_id, registry, account_id, holder_name, status)
     VALUES ($1, $2, 'EU', $3, 'Transfer test', 'VERIFIED')`,
    [registryAccountId, client.id, accountId],
  );
  await ensureClientAccounts(pool, client.id, 'EUA');
  await postEntry(pool, {
    idempotencyKey: `test-certificates/${client.id}`,
    ...registryTransferIn(client.id, 'EUA', 100n, `test-${client.id}`),
  });
  const input: CertificateTransferInput = {
    businessId: randomUUID(),
    clientId: client.id,
    direction: 'OUT',
    asset: 'EUA',
    quantity: '40',
    registryAccountId,
    policy: POLICY,
    requestedBy: client,
  };
  const workflowId = certificateTransferWorkflowId(input.businessId);
  workflows.push(workflowId);
  const state = await t.client.workflow.executeUpdateWithStart(certificateTransferRequestUpdate, {
    updateId: 'request',
    startWorkflowOperation: new WithStartWorkflowOperation(certificateTransfer, {
      taskQueue: t.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
  expect(state.status).toBe('PENDING_APPROVAL');
  return {
    client,
    accountId,
    state,
    handle: t.client.workflow.getHandle<typeof certificateTransfer>(workflowId),
  };
}

async function available(clientId: string): Promise<bigint> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT (credits_posted - debits_posted - debits_pending)::text AS n FROM ledger_account WHERE code = $1`,
    [`client:${clientId}:EUA:available`],
  );
  return BigInt(rows[0]?.n ?? '0');
}

async function postings(workflowId: string): Promise<string[]> {
  const { rows } = await pool.query<{ kind: string }>(
    'SELECT kind FROM journal_entry WHERE workflow_id = $1 ORDER BY created_at',
    [workflowId],
  );
  return rows.map((r) => r.kind);
}

describe('certificate transfer out: delivered exactly once', () => {
  it('the registry delivers but its answer is lost: the retry hears the first outcome', async () => {
    const { client, accountId, state, handle } = await requestedOut();
    registry.inject(accountId, { kind: 'deliver_then_unavailable' });
    await handle.executeUpdate(approveCertificateTransferUpdate, {
      args: [{ actor: OPS }],
      updateId: randomUUID(),
    });
    const final: CertificateTransferState = await handle.result();
    expect(final.status).toBe('COMPLETED');
    expect(await registry.count(state.reference)).toBe(1);
    const calls = registry.calls.filter((c) => c.transferId === state.reference).map((c) => c.outcome);
    expect(calls).toEqual(['delivered_then_unavailable', 'repeat:DELIVERED']);
    expect(await postings(handle.workflowId)).toEqual([
      'certificate_transfer.hold',
      'certificate_transfer.post',
    ]);
    expect(await available(client.id)).toBe(60n);
  });

  it('the registry is down: PROCESSING waits, nothing moves; once it is back, one delivery', async () => {
    const { client, state, handle } = await requestedOut();
    registry.options.outage = true;
    await handle.executeUpdate(approveCertificateTransferUpdate, {
      args: [{ actor: OPS }],
      updateId: randomUUID(),
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const waiting = await handle.query(certificateTransferStateQuery);
    expect(waiting.status).toBe('PROCESSING');
    expect(await registry.count(state.reference)).toBe(0);
    expect(await available(client.id)).toBe(60n); // held, not yet delivered
    registry.options.outage = false;
    const final = await handle.result();
    expect(final.status).toBe('COMPLETED');
    expect(await registry.count(state.reference)).toBe(1);
    expect(registry.calls.filter((c) => c.outcome === 'unavailable').length).toBeGreaterThan(0);
    expect(await postings(handle.workflowId)).toEqual([
      'certificate_transfer.hold',
      'certificate_transfer.post',
    ]);
  });

  it('the histories replay against the current code', async () => {
    expect(await replayWorkflows(t.client, workflows)).toBe(workflows.length);
  });
});
