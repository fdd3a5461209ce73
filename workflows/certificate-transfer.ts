// A certificate transfer between the client's registry account and our omnibus at the registry.
// Rules live in domain/certificate-transfer.ts (four eyes in domain/four-eyes.ts, shared with
// withdrawals); the shared machinery in workflows/lifecycle.ts.
//
//   1. reserveCertificateTransfer (activity): KYC approved, the client's verified account at the
//      asset's registry; OUT also holds the certificates (key `<workflowId>/hold`). Refused → the
//      workflow ends DECLINED and records nothing; the request's caller learns why through the
//      `request` Update (insufficient_position, ...).
//   2. IN:  ∅ → PENDING_RECEIPT, task for operations to confirm the registry receipt; `confirm`
//           posts the received quantity (registry.transfer_in) → COMPLETED.
//      OUT: ∅ → PENDING_APPROVAL, task `certificate_transfer.approve`; approvals under four eyes;
//           PROCESSING delivers through the registry adapter (retried with the same transfer id
//           until the registry answers for good), then the hold is posted (COMPLETED) or, on a
//           refusal, voided (FAILED).
//   3. Every ending, DECLINED included, archives the history (workflows/archive.ts).
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CertificateTransferActivities } from '../activities/certificate-transfer.js';
import {
  CERTIFICATE_TRANSFER_TASKS,
  CERTIFICATE_TRANSFER_TRANSITIONS,
  CERTIFICATE_TRANSFER_TYPE,
  approvalsRequiredFor,
  certificateTransferReference,
  checkApproveTransfer,
  checkCancelTransfer,
  checkCertificateTransferInput,
  checkConfirmTransfer,
  checkQuantity,
  checkRejectTransfer,
  type Approval,
  type ApproveCertificateTransferArgs,
  type CancelCertificateTransferArgs,
  type CertificateTransferAction,
  type CertificateTransferInput,
  type CertificateTransferPhase,
  type CertificateTransferState,
  type CertificateTransferStatus,
  type CertificateTransferView,
  type ConfirmCertificateTransferArgs,
  type RejectCertificateTransferArgs,
  type TransferRegistryAccount,
} from '../domain/certificate-transfer.js';
import { archiveHistoryOnClose } from './archive.js';
import { HeldRequest, heldEndings, orRefusal, takeApproval } from './held-transfer.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LIFECYCLE_RETRY,
  LifecycleRecorder,
  guard,
  refusalFailure,
  type Deadline,
  type OpenTask,
} from './lifecycle.js';
import { operationsTask } from './operations-task.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const certificateTransferStateQuery = defineQuery<CertificateTransferState>('state');
/**
 * Sent with the start (update-with-start): answers once the request is accepted (PENDING_RECEIPT or
 * PENDING_APPROVAL recorded), or refuses with the reason it was declined. Changes nothing.
 */
export const certificateTransferRequestUpdate = defineUpdate<CertificateTransferState, []>('request');
export const confirmCertificateTransferUpdate = defineUpdate<
  CertificateTransferState,
  [ConfirmCertificateTransferArgs]
>('confirm');
export const approveCertificateTransferUpdate = defineUpdate<
  CertificateTransferState,
  [ApproveCertificateTransferArgs]
>('approve');
export const rejectCertificateTransferUpdate = defineUpdate<
  CertificateTransferState,
  [RejectCertificateTransferArgs]
>('reject');
export const cancelCertificateTransferUpdate = defineUpdate<
  CertificateTransferState,
  [CancelCertificateTransferArgs]
>('cancel');

const { reserveCertificateTransfer, postTransferIn, postTransferOutHold, voidTransferOutHold } =
  proxyActivities<CertificateTransferActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

type Command =
  | { action: 'confirm'; args: ConfirmCertificateTransferArgs }
  | { action: 'approve'; args: ApproveCertificateTransferArgs }
  | { action: 'reject'; args: RejectCertificateTransferArgs }
  | { action: 'cancel'; args: CancelCertificateTransferArgs };

export async function certificateTransfer(
  input: CertificateTransferInput,
): Promise<CertificateTransferState> {
  guard(checkCertificateTransferInput(input));
  const { businessId, clientId, direction, asset, registryAccountId, policy, requestedBy } = input;
  const quantity = canonical(input.quantity);
  const createdAtMs = Date.now();
  const required = approvalsRequiredFor(direction, asset, quantity, policy);
  const reference = certificateTransferReference(businessId);
  // The registry may be slow or closed; each attempt has the policy's timeout (seconds in tests).
  const { deliverCertificates } = proxyActivities<CertificateTransferActivities>({
    startToCloseTimeout: policy.deliveryTimeoutMs,
    retry: LIFECYCLE_RETRY,
  });

  const request = new HeldRequest();
  let registryAccount: TransferRegistryAccount | null = null;
  let holdEntryId: string | null = null;
  let receivedQuantity: string | null = null;
  let registryReference: string | null = null;
  let failureReason: string | null = null;
  const approvals: Approval[] = [];

  const lifecycle = new LifecycleRecorder<CertificateTransferStatus, CertificateTransferAction>({
    type: CERTIFICATE_TRANSFER_TYPE,
    businessId,
    ownerId: clientId,
    table: CERTIFICATE_TRANSFER_TRANSITIONS,
    initial: direction === 'IN' ? 'PENDING_RECEIPT' : 'PENDING_APPROVAL',
    startAction: 'request',
    attributes,
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, CertificateTransferState>({
    noun: 'certificate transfer',
    status,
    answer: snapshot,
  });
  const transition = lifecycle.transition.bind(lifecycle);

  function canonical(text: string): string {
    const checked = checkQuantity(input.asset, text);
    if (!checked.ok) throw refusalFailure(checked.refusal);
    return checked.quantity;
  }

  function status(): CertificateTransferPhase {
    return request.status(lifecycle.status);
  }

  function view(): CertificateTransferView {
    return {
      status: status(),
      clientId,
      requestedBy: requestedBy.id,
      asset,
      approvals,
      approvalsRequired: required,
    };
  }

  function snapshot(): CertificateTransferState {
    return {
      id: businessId,
      workflowId,
      type: CERTIFICATE_TRANSFER_TYPE,
      status: status(),
      clientId,
      direction,
      asset,
      quantity,
      receivedQuantity,
      registryAccountId,
      registryAccount,
      approvalsRequired: required,
      approvals: approvals.map((a) => ({ ...a })),
      holdEntryId,
      reference,
      registryReference,
      failureReason,
      declined: request.shownDecline(),
      createdAt: new Date(createdAtMs).toISOString(),
      closedAt: lifecycle.closedAt,
      timeline: [...lifecycle.timeline],
    };
  }

  /** What the lifecycle row carries for lists and pages. */
  function attributes(): Record<string, unknown> {
    return {
      direction,
      asset,
      quantity,
      receivedQuantity,
      registryAccountId,
      registryAccount,
      approvalsRequired: required,
      approvals,
      holdEntryId,
      reference,
      registryReference,
      failureReason,
    };
  }

  const certificates = `${quantity} ${asset}`;
  const task = (kind: string, summary: string, dueMs: number): OpenTask =>
    operationsTask({
      kind,
      subjectType: CERTIFICATE_TRANSFER_TYPE,
      subjectId: businessId,
      dueAt: new Date(createdAtMs + dueMs).toISOString(),
      summary,
    });
  const approveTask = (summary: string) =>
    task(CERTIFICATE_TRANSFER_TASKS.approve, summary, policy.approvalDueMs);

  // --- Messages (registered before the first step: the request Update arrives with the start) ---

  setHandler(certificateTransferStateQuery, snapshot);
  request.answer(certificateTransferRequestUpdate, snapshot);
  commands.handle(
    confirmCertificateTransferUpdate,
    (args) => checkConfirmTransfer(view(), args),
    (args) => ({ action: 'confirm', args }),
  );
  commands.handle(
    approveCertificateTransferUpdate,
    (args) => checkApproveTransfer(view(), args),
    (args) => ({ action: 'approve', args }),
  );
  commands.handle(
    rejectCertificateTransferUpdate,
    (args) => checkRejectTransfer(view(), args),
    (args) => ({ action: 'reject', args }),
  );
  commands.handle(
    cancelCertificateTransferUpdate,
    (args) => checkCancelTransfer(view(), args),
    (args) => ({ action: 'cancel', args }),
  );

  // --- Steps ----------------------------------------------------------------------------------

  /** Checks the request (OUT: holds the certificates); the account, or null when it was declined. */
  async function reserve(): Promise<TransferRegistryAccount | null> {
    const reserved = await request.reserve(() =>
      reserveCertificateTransfer.executeWithOptions(
        { summary: direction === 'OUT' ? `certificate_transfer.hold ${certificates}` : 'check the request' },
        [{ clientId, direction, asset, quantity, registryAccountId }],
      ),
    );
    if (reserved === null) {
      failureReason = request.declined!.message;
      return null;
    }
    holdEntryId = reserved.holdEntryId;
    registryAccount = reserved.registryAccount;
    return reserved.registryAccount;
  }

  async function requested(account: TransferRegistryAccount): Promise<void> {
    if (direction === 'IN') {
      await transition(null, requestedBy, {
        reason: `Transfer in of ${certificates} from ${account.accountId} announced`,
        data: { quantity, asset, registryAccountId },
        openTasks: [
          task(
            CERTIFICATE_TRANSFER_TASKS.confirm,
            `Confirm receipt of ${certificates} from ${account.accountId} (reference ${reference})`,
            policy.receiptDueMs,
          ),
        ],
      });
    } else {
      const summary = `Approve transfer out of ${certificates} to ${account.accountId}${required === 2 ? ' (four eyes: two approvers)' : ''}`;
      await transition(null, requestedBy, {
        reason: `Transfer out of ${certificates} to ${account.accountId} requested; certificates held`,
        data: { quantity, asset, registryAccountId, holdEntryId, approvalsRequired: required },
        openTasks: [approveTask(summary)],
      });
    }
    request.accept();
  }

  async function confirm(args: ConfirmCertificateTransferArgs): Promise<void> {
    const received = canonical(args.quantity);
    const note = args.note?.trim() || null;
    await postTransferIn.executeWithOptions({ summary: `registry.transfer_in ${received} ${asset}` }, [
      { clientId, asset, quantity: received, reference },
    ]);
    receivedQuantity = received;
    const differs = received !== quantity ? ` (${quantity} announced)` : '';
    await transition('confirm', args.actor, {
      reason: `Registry receipt of ${received} ${asset} confirmed${differs}; available${note ? ` — ${note}` : ''}`,
      data: { note, receivedQuantity: received, announced: quantity },
      closeTasks: [
        { kind: CERTIFICATE_TRANSFER_TASKS.confirm, outcome: 'confirmed', completedBy: args.actor.id },
      ],
    });
  }

  async function approve(args: ApproveCertificateTransferArgs): Promise<void> {
    const step = takeApproval(approvals, required, args, {
      kind: CERTIFICATE_TRANSFER_TASKS.approve,
      next: 'delivering',
    });
    const { reason, data, closeTasks } = step;
    if (step.action === 'approve_first') {
      await transition('approve_first', args.actor, {
        reason,
        data,
        closeTasks,
        openTasks: [
          approveTask(
            `Second approval of transfer out of ${certificates} (first approved by ${args.actor.id})`,
          ),
        ],
      });
      return;
    }
    await transition('approve', args.actor, { reason, data, closeTasks });
  }

  async function release(reason: string): Promise<void> {
    if (holdEntryId === null) return; // IN: nothing was held
    await voidTransferOutHold.executeWithOptions({ summary: `certificate_transfer.void ${certificates}` }, [
      { holdEntryId, reason },
    ]);
  }

  const endings = heldEndings({
    release,
    transition,
    taskKind: () =>
      direction === 'IN' ? CERTIFICATE_TRANSFER_TASKS.confirm : CERTIFICATE_TRANSFER_TASKS.approve,
    failed: (reason) => {
      failureReason = reason;
    },
  });

  /** PROCESSING: deliver exactly once (the same transfer id on every retry), then settle the hold. */
  async function deliver(): Promise<void> {
    const account = registryAccount;
    const held = holdEntryId;
    if (account === null || held === null) throw new Error('a transfer out is delivered only once held');
    const delivered = await orRefusal(() =>
      deliverCertificates.executeWithOptions({ summary: `deliver ${certificates} to ${account.accountId}` }, [
        { transferId: reference, registry: account.registry, asset, quantity, to: account.accountId },
      ]),
    );
    if (!delivered.ok) {
      const { cause } = delivered;
      return endings.refused(cause, 'delivery', cause.message, { reference });
    }
    registryReference = delivered.value.registryReference;
    await postTransferOutHold.executeWithOptions({ summary: `certificate_transfer.post ${certificates}` }, [
      { holdEntryId: held, reason: registryReference },
    ]);
    await transition('complete', null, {
      reason: `Delivered ${certificates} to ${account.accountId} (registry reference ${registryReference})`,
      data: { reference, registryReference },
    });
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'confirm':
        return confirm(command.args);
      case 'approve':
        return approve(command.args);
      case 'reject':
        return endings.reject(command.args);
      case 'cancel':
        return endings.cancel(command.args);
    }
  }

  // --- Main loop ------------------------------------------------------------------------------

  /** PROCESSING: deliver at once; otherwise people decide. */
  function deadline(): Deadline | null {
    return lifecycle.status === 'PROCESSING' ? { atMs: 0, summary: 'deliver' } : null;
  }

  const account = await reserve();
  if (account !== null) {
    await requested(account);
    await commands.loop({ done: () => lifecycle.terminal, deadline, run, elapsed: deliver });
  }

  await condition(allHandlersFinished);
  // Archived on every ending, the internal DECLINED one too (as withdrawals do: its workflow id comes
  // from the Idempotency-Key and is never reused, and nothing else keeps its history).
  await archiveHistoryOnClose();
  return snapshot();
}
