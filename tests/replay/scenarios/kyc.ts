// The KYC review's main paths (API.md "Bank accounts, KYC, withdrawals"), driven the way the API
// drives them: the first submission starts the workflow (update-with-start), operations decide
// through Updates.
//
// The workflow continues-as-new after every decision and every expiry, so one path can span runs,
// and each run has its own history. A golden history is one run: the run that continued as new
// (or, for a rejection, the one that completed). "Submit, changes requested, resubmit, approved"
// is two files: `changes-requested` (the first run) and `resubmit-approve` (the second, which
// starts from the carried state). Likewise `expire` is the run after the approval, whose timer fires.
import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { insertKycDocument } from '../../../db/kyc/index.js';
import {
  kycPolicy,
  kycStaticSummary,
  kycWorkflowId,
  type KycDocumentRef,
  type KycDocumentType,
  type KycPolicy,
} from '../../../domain/kyc.js';
import type { Actor } from '../../../domain/lifecycle.js';
import {
  approveKycUpdate,
  kyc,
  rejectKycUpdate,
  requestKycChangesUpdate,
  submitKycUpdate,
} from '../../../workflows/kyc.js';
import { insertPerson } from './people.js';
import type { CaptureContext, CapturedRun, Scenario } from './types.js';

/** Seconds instead of a year, so a capture takes seconds; `expire` shortens the validity further. */
const POLICY: KycPolicy = kycPolicy({ approvalValidityMs: 600_000, reviewDueMs: 60_000 });

/** A one-pixel PNG, plus a nonce so every upload has its own sha256. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff' +
    'ff3f0005fe02fea7d6a4e00000000049454e44ae426082',
  'hex',
);

/** What POST /kyc/documents stores. */
async function upload(ctx: CaptureContext, client: Actor, type: KycDocumentType): Promise<KycDocumentRef> {
  const content = Buffer.concat([PNG, Buffer.from(randomUUID())]);
  const { document } = await insertKycDocument(ctx.pool, {
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
async function submit(
  ctx: CaptureContext,
  client: Actor,
  documents: KycDocumentRef[],
  policy: KycPolicy = POLICY,
): Promise<WorkflowHandle<typeof kyc>> {
  await ctx.client.workflow.executeUpdateWithStart(submitKycUpdate, {
    args: [{ actor: client, documents }],
    updateId: randomUUID(),
    startWorkflowOperation: new WithStartWorkflowOperation(kyc, {
      workflowId: kycWorkflowId(client.id),
      taskQueue: ctx.taskQueue,
      args: [{ clientId: client.id, policy }],
      staticSummary: kycStaticSummary(client.id),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  });
  return ctx.client.workflow.getHandle(kycWorkflowId(client.id));
}

/** A client with the two documents a review needs, submitted: PENDING_REVIEW, in the first run. */
async function submitted(ctx: CaptureContext, policy: KycPolicy = POLICY) {
  const client = await insertPerson(ctx.pool, 'client');
  const documents = [await upload(ctx, client, 'passport'), await upload(ctx, client, 'proof_of_address')];
  const handle = await submit(ctx, client, documents, policy);
  const { runId } = await handle.describe();
  return { client, documents, handle, runId };
}

/** Waits until run `runId` of the workflow has closed (continued as new, or completed). */
async function runClosed(ctx: CaptureContext, workflowId: string, runId: string): Promise<CapturedRun> {
  const run = ctx.client.workflow.getHandle(workflowId, runId);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status } = await run.describe();
    if (status.name !== 'RUNNING') return { workflowId, runId };
    if (Date.now() > deadline) throw new Error(`run ${runId} of ${workflowId} did not close`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The run that follows `runId` once it has continued as new. */
async function nextRun(ctx: CaptureContext, workflowId: string, runId: string): Promise<string> {
  await runClosed(ctx, workflowId, runId);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const latest = await ctx.client.workflow.getHandle(workflowId).describe();
    if (latest.runId !== runId) return latest.runId;
    if (Date.now() > deadline) throw new Error(`${workflowId} did not continue as new after ${runId}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const kycScenarios: Scenario[] = [
  {
    type: 'kyc',
    path: 'approve',
    description: 'first run: submitted, approved by operations, continued as new to wait for the expiry',
    async run(ctx) {
      const { handle, runId } = await submitted(ctx);
      await handle.executeUpdate(approveKycUpdate, {
        args: [{ actor: ctx.staff.operations, note: 'Documents in order' }],
        updateId: randomUUID(),
      });
      return runClosed(ctx, handle.workflowId, runId);
    },
  },
  {
    type: 'kyc',
    path: 'changes-requested',
    description: 'first run: submitted, operations request changes, continued as new to wait for the client',
    async run(ctx) {
      const { handle, runId } = await submitted(ctx);
      await handle.executeUpdate(requestKycChangesUpdate, {
        args: [{ actor: ctx.staff.operations, comments: 'The utility bill is older than three months.' }],
        updateId: randomUUID(),
      });
      return runClosed(ctx, handle.workflowId, runId);
    },
  },
  {
    type: 'kyc',
    path: 'resubmit-approve',
    description:
      'second run after changes were requested: resubmitted with a fresh bill, approved by an admin',
    async run(ctx) {
      const { client, documents, handle, runId } = await submitted(ctx);
      await handle.executeUpdate(requestKycChangesUpdate, {
        args: [{ actor: ctx.staff.operations, comments: 'The utility bill is older than three months.' }],
        updateId: randomUUID(),
      });
      const second = await nextRun(ctx, handle.workflowId, runId);
      const freshBill = await upload(ctx, client, 'proof_of_address');
      await submit(ctx, client, [documents[0]!, freshBill]);
      await handle.executeUpdate(approveKycUpdate, {
        args: [{ actor: ctx.staff.admin, note: 'All in order now' }],
        updateId: randomUUID(),
      });
      return runClosed(ctx, handle.workflowId, second);
    },
  },
  {
    type: 'kyc',
    path: 'reject',
    description: 'submitted, rejected by operations (final): the workflow completes and archives its history',
    async run(ctx) {
      const { handle } = await submitted(ctx);
      await handle.executeUpdate(rejectKycUpdate, {
        args: [{ actor: ctx.staff.operations, reason: 'Identity could not be confirmed' }],
        updateId: randomUUID(),
      });
      await handle.result();
      return handle.workflowId;
    },
  },
  {
    type: 'kyc',
    path: 'expire',
    description: 'second run after an approval: the validity timer fires, EXPIRED, continued as new',
    async run(ctx) {
      const { handle, runId } = await submitted(ctx, kycPolicy({ ...POLICY, approvalValidityMs: 2_000 }));
      await handle.executeUpdate(approveKycUpdate, {
        args: [{ actor: ctx.staff.operations }],
        updateId: randomUUID(),
      });
      const approvedRun = await nextRun(ctx, handle.workflowId, runId);
      return runClosed(ctx, handle.workflowId, approvedRun);
    },
  },
];
