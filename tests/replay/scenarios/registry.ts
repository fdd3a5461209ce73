// Registry accounts and certificate transfers (issue 11), driven the way the API drives them: the
// registration row inserted and its workflow started; a transfer is an update-with-start of its
// `request` Update (answered once its checks passed and, for OUT, the certificates are held);
// operations and the client act through Updates. The capture worker's simulated registry confirms
// every account and delivers every transfer (no faults are configured for these paths). The
// Temporal workflow types are `registryAccount` and `certificateTransfer`.
import { randomInt, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../../db/ledger/index.js';
import { insertRegistryAccount } from '../../../db/registry-accounts/index.js';
import {
  certificateTransferPolicy,
  certificateTransferStaticSummary,
  certificateTransferWorkflowId,
  type CertificateTransferInput,
} from '../../../domain/certificate-transfer.js';
import type { Actor } from '../../../domain/lifecycle.js';
import { registryTransferIn } from '../../../domain/postings.js';
import {
  DEFAULT_REGISTRY_ACCOUNT_POLICY,
  registryAccountStaticSummary,
  registryAccountWorkflowId,
  type RegistryAccountInput,
} from '../../../domain/registry-account.js';
import {
  approveCertificateTransferUpdate,
  cancelCertificateTransferUpdate,
  certificateTransfer,
  certificateTransferRequestUpdate,
  confirmCertificateTransferUpdate,
  rejectCertificateTransferUpdate,
} from '../../../workflows/certificate-transfer.js';
import {
  registryAccount,
  rejectRegistryAccountUpdate,
  verifyRegistryAccountUpdate,
} from '../../../workflows/registry-account.js';
import { insertPerson } from './people.js';
import type { CaptureContext, Scenario } from './types.js';

/** Seconds instead of days; four eyes from 500 EUA. */
const POLICY = certificateTransferPolicy({
  fourEyesThreshold: { EUA: '500', CEA: '500' },
  deliveryTimeoutMs: 2_000,
});

// ---- registry accounts ----------------------------------------------------------------------------

/** What POST /registry-accounts does: insert the registration, start its verification workflow. */
async function registerAccount(ctx: CaptureContext) {
  const client = await insertPerson(ctx.pool, 'client');
  const id = randomUUID();
  const fields = {
    registry: 'EU' as const,
    accountId: `EU-100-${randomInt(1_000_000, 9_999_999)}-0-42`,
    holderName: 'Golden Carbon Ltd',
  };
  await insertRegistryAccount(ctx.pool, { id, clientId: client.id, ...fields });
  const input: RegistryAccountInput = {
    ...fields,
    registryAccountId: id,
    clientId: client.id,
    policy: DEFAULT_REGISTRY_ACCOUNT_POLICY,
    requestedBy: client,
  };
  const handle = await ctx.client.workflow.start(registryAccount, {
    taskQueue: ctx.taskQueue,
    workflowId: registryAccountWorkflowId(id),
    args: [input],
    staticSummary: registryAccountStaticSummary(input),
    workflowIdConflictPolicy: 'FAIL',
  });
  // verified_by / rejected_by reference app_user: the reviewer is a real row.
  const operations = await insertPerson(ctx.pool, 'operations');
  return { handle, operations };
}

// ---- certificate transfers ------------------------------------------------------------------------

interface Holder {
  actor: Actor;
  registryAccountId: string;
}

/** A client as the API expects one: approved KYC, a VERIFIED EU account, `quantity` EUA available. */
async function holder(ctx: CaptureContext, quantity = 1_000n): Promise<Holder> {
  const actor = await insertPerson(ctx.pool, 'client');
  await ctx.pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [actor.id]);
  const id = randomUUID();
  await insertRegistryAccount(ctx.pool, {
    id,
    clientId: actor.id,
    registry: 'EU',
    accountId: `EU-100-${randomInt(1_000_000, 9_999_999)}-0-42`,
    holderName: 'Golden Holder',
  });
  await ctx.pool.query(`UPDATE registry_account SET status = 'VERIFIED' WHERE id = $1`, [id]);
  await ensureSystemAccounts(ctx.pool);
  await ensureClientAccounts(ctx.pool, actor.id, 'EUA');
  if (quantity > 0n) {
    await postEntry(ctx.pool, {
      idempotencyKey: `golden-certificates/${actor.id}`,
      ...registryTransferIn(actor.id, 'EUA', quantity, `golden-${actor.id}`),
    });
  }
  return { actor, registryAccountId: id };
}

/** What POST /certificate-transfers does: start + the `request` Update. */
async function requested(ctx: CaptureContext, direction: 'IN' | 'OUT', quantity: string) {
  const owner = await holder(ctx);
  const input: CertificateTransferInput = {
    businessId: randomUUID(),
    clientId: owner.actor.id,
    direction,
    asset: 'EUA',
    quantity,
    registryAccountId: owner.registryAccountId,
    policy: POLICY,
    requestedBy: owner.actor,
  };
  const state = await ctx.client.workflow.executeUpdateWithStart(certificateTransferRequestUpdate, {
    updateId: 'request',
    startWorkflowOperation: new WithStartWorkflowOperation(certificateTransfer, {
      taskQueue: ctx.taskQueue,
      workflowId: certificateTransferWorkflowId(input.businessId),
      args: [input],
      staticSummary: certificateTransferStaticSummary(input),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
  const handle: WorkflowHandle<typeof certificateTransfer> = ctx.client.workflow.getHandle(state.workflowId);
  return { owner, handle };
}

type TransferHandle = Awaited<ReturnType<typeof requested>>['handle'];

async function closed(handle: WorkflowHandle, status: string): Promise<string> {
  const final = (await handle.result()) as { status: string };
  if (final.status !== status)
    throw new Error(`${handle.workflowId} ended ${final.status}, expected ${status}`);
  return handle.workflowId;
}

const approve = (handle: TransferHandle, actor: Actor, note: string) =>
  handle.executeUpdate(approveCertificateTransferUpdate, { args: [{ actor, note }], updateId: randomUUID() });

export const registryAccountScenarios: Scenario[] = [
  {
    type: 'registryAccount',
    path: 'verified',
    description: 'registered, confirmed by the registry and verified by operations',
    async run(ctx) {
      const { handle, operations } = await registerAccount(ctx);
      await handle.executeUpdate(verifyRegistryAccountUpdate, {
        args: [{ actor: operations, note: 'Holder matches the KYC documents' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'VERIFIED');
    },
  },
  {
    type: 'registryAccount',
    path: 'rejected',
    description: 'registered, rejected by operations with a reason',
    async run(ctx) {
      const { handle, operations } = await registerAccount(ctx);
      await handle.executeUpdate(rejectRegistryAccountUpdate, {
        args: [{ actor: operations, reason: 'Holder is not the client' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'REJECTED');
    },
  },
];

export const certificateTransferScenarios: Scenario[] = [
  {
    type: 'certificateTransfer',
    path: 'in-confirmed',
    description: 'IN: announced, operations confirm the registry receipt of fewer than announced',
    async run(ctx) {
      const { handle } = await requested(ctx, 'IN', '300');
      await handle.executeUpdate(confirmCertificateTransferUpdate, {
        args: [{ actor: ctx.staff.operations, quantity: '290', note: '290 arrived' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'certificateTransfer',
    path: 'in-cancelled',
    description: 'IN: announced, then cancelled by the client',
    async run(ctx) {
      const { owner, handle } = await requested(ctx, 'IN', '40');
      await handle.executeUpdate(cancelCertificateTransferUpdate, {
        args: [{ actor: owner.actor }],
        updateId: randomUUID(),
      });
      return closed(handle, 'CANCELLED');
    },
  },
  {
    type: 'certificateTransfer',
    path: 'out-approved',
    description: 'OUT below the threshold: held, approved once, delivered through the registry, hold posted',
    async run(ctx) {
      const { handle } = await requested(ctx, 'OUT', '150');
      await approve(handle, ctx.staff.operations, 'Account verified last week');
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'certificateTransfer',
    path: 'out-four-eyes',
    description: 'OUT at the threshold: two distinct approvers, delivered, hold posted',
    async run(ctx) {
      const { handle } = await requested(ctx, 'OUT', '500');
      await approve(handle, ctx.staff.operations, 'first look');
      await approve(handle, ctx.staff.admin, 'second pair of eyes');
      return closed(handle, 'COMPLETED');
    },
  },
  {
    type: 'certificateTransfer',
    path: 'out-rejected',
    description: 'OUT rejected by operations; the hold is voided',
    async run(ctx) {
      const { handle } = await requested(ctx, 'OUT', '60');
      await handle.executeUpdate(rejectCertificateTransferUpdate, {
        args: [{ actor: ctx.staff.operations, reason: 'Unusual destination' }],
        updateId: randomUUID(),
      });
      return closed(handle, 'REJECTED');
    },
  },
  {
    type: 'certificateTransfer',
    path: 'out-declined',
    description: 'OUT of more than is available: declined before anything is recorded',
    async run(ctx) {
      const owner = await holder(ctx, 10n);
      const input: CertificateTransferInput = {
        businessId: randomUUID(),
        clientId: owner.actor.id,
        direction: 'OUT',
        asset: 'EUA',
        quantity: '11',
        registryAccountId: owner.registryAccountId,
        policy: POLICY,
        requestedBy: owner.actor,
      };
      const handle = await ctx.client.workflow.start(certificateTransfer, {
        taskQueue: ctx.taskQueue,
        workflowId: certificateTransferWorkflowId(input.businessId),
        args: [input],
        staticSummary: certificateTransferStaticSummary(input),
      });
      return closed(handle, 'DECLINED');
    },
  },
];
