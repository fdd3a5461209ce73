// Registry account verification when the registry gives no usable answer, on the real dev server:
// real worker and activities, real PostgreSQL, the simulated registry behind a test adapter that can
// hang (every attempt outlives the activity's start-to-close timeout, as when the worker running it
// is killed) or fail with a plain error (a network failure, retryable). Both are transient: the
// operator hears registry_unavailable (verify again later), never action_failed, and the account
// stays PENDING_VERIFICATION until a later verify succeeds.
import { randomInt, randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedRegistry, type RegistryCode } from '../activities/registry-adapter.js';
import { closePool, getPool } from '../db/pool.js';
import { insertRegistryAccount } from '../db/registry-accounts/index.js';
import type { Actor } from '../domain/lifecycle.js';
import {
  DEFAULT_REGISTRY_ACCOUNT_POLICY,
  registryAccountWorkflowId,
  type RegistryAccountInput,
} from '../domain/registry-account.js';
import type { Role } from '../domain/roles.js';
import { replayWorkflows, startTestWorker, type TestTemporal } from '../tests/support/temporal.js';
import {
  registryAccount,
  registryAccountStateQuery,
  verifyRegistryAccountUpdate,
} from './registry-account.js';

/** Past the confirmation activity's 5 s start-to-close timeout. */
const HANG_MS = 6_000;

/** The simulated registry, with the faults a confirmation meets in a chaos run. */
class FaultyRegistry extends SimulatedRegistry {
  fault: 'none' | 'hang' | 'network_error' = 'none';
  confirmCalls = 0;

  override async confirmAccount(registry: RegistryCode, accountId: string) {
    this.confirmCalls += 1;
    if (this.fault === 'hang') await new Promise((resolve) => setTimeout(resolve, HANG_MS));
    if (this.fault === 'network_error') throw new Error('socket hang up (simulated)');
    return super.confirmAccount(registry, accountId);
  }
}

const pool = getPool();
const registry = new FaultyRegistry(pool, {});
let t: TestTemporal;
const workflows: string[] = [];

beforeAll(async () => {
  t = await startTestWorker({ deps: { registry } });
});
afterAll(async () => {
  await t?.stop();
  await closePool();
});
afterEach(() => {
  registry.fault = 'none';
});

async function person(role: Role): Promise<Actor> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name) VALUES ($1, 'x', $2, $3) RETURNING id`,
    [`registry-${role}-${randomUUID()}@test.example`, role, `Registry ${role}`],
  );
  return { id: rows[0]!.id, role };
}

/** What POST /registry-accounts does: the registration row, then its verification workflow. */
async function registered() {
  const client = await person('client');
  const id = randomUUID();
  const fields = {
    registry: 'EU' as const,
    accountId: `EU-100-${randomInt(1_000_000, 9_999_999)}-0-42`,
    holderName: 'Silent Registry Ltd',
  };
  await insertRegistryAccount(pool, { id, clientId: client.id, ...fields });
  const input: RegistryAccountInput = {
    ...fields,
    registryAccountId: id,
    clientId: client.id,
    policy: DEFAULT_REGISTRY_ACCOUNT_POLICY,
    requestedBy: client,
  };
  const workflowId = registryAccountWorkflowId(id);
  workflows.push(workflowId);
  const handle = await t.client.workflow.start(registryAccount, {
    taskQueue: t.taskQueue,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
  });
  return { handle, operations: await person('operations') };
}

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('registry account verification: the registry gives no answer', () => {
  it.each([
    ['every attempt times out (start-to-close)', 'hang'],
    ['every attempt fails with a retryable error', 'network_error'],
  ] as const)('%s: registry_unavailable, still pending; a later verify succeeds', async (_, fault) => {
    const { handle, operations } = await registered();
    registry.fault = fault;
    const callsBefore = registry.confirmCalls;
    const verify = () =>
      handle.executeUpdate(verifyRegistryAccountUpdate, {
        args: [{ actor: operations }],
        updateId: randomUUID(),
      });

    const failure = await refusal(verify());
    expect(failure.type).toBe('registry_unavailable');
    expect(failure.message).toBe('the EU registry is not answering; verify again later');
    // The retry policy's three attempts were all made before the operator heard back.
    expect(registry.confirmCalls - callsBefore).toBe(3);
    expect((await handle.query(registryAccountStateQuery)).status).toBe('PENDING_VERIFICATION');

    registry.fault = 'none';
    const verified = await verify();
    expect(verified.status).toBe('VERIFIED');
    expect((await handle.result()).status).toBe('VERIFIED');
  });

  it('the histories replay against the current code', async () => {
    expect(await replayWorkflows(t.client, workflows)).toBe(workflows.length);
  });
});
