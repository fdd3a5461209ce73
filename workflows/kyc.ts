// A client's KYC review, one long-lived workflow per client (`kyc-<clientId>`): submitted documents
// wait for operations (a `kyc.review` task), who approve, reject (final) or request changes (the
// client fixes and resubmits). An approval expires after the policy's validity period; the client
// then submits fresh documents. Rules live in domain/kyc.ts; the plumbing (status, timeline, one
// command at a time, recordTransition) in workflows/lifecycle.ts.
//
// The workflow continues-as-new after every completed cycle (a decision or an expiry) and whenever
// Temporal suggests it, carrying status, timeline and the last submission and decision, so its
// history stays short however many years a client stays with us. The timeline's length keeps
// numbering the read model's events across runs. Its history is archived (workflows/archive.ts)
// only when it really closes (REJECTED), not at each continue-as-new: see the end of kyc().
//
// The API starts it with the client's first submission (update-with-start), so a client who never
// submits has no workflow; their status is NOT_STARTED (app_user.kyc_status's default).
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { KycActivities, ProjectKycInput } from '../activities/kyc.js';
import {
  KYC_HUMAN_ACTIONS,
  KYC_TASKS,
  KYC_TRANSITIONS,
  KYC_TYPE,
  checkApprove,
  checkKycInput,
  checkReject,
  checkRequestChanges,
  checkSubmit,
  type ApproveKycArgs,
  type KycAction,
  type KycCarriedState,
  type KycDecision,
  type KycHumanAction,
  type KycInput,
  type KycState,
  type KycStatus,
  type KycSubmission,
  type KycView,
  type RejectKycArgs,
  type RequestKycChangesArgs,
  type SubmitKycArgs,
} from '../domain/kyc.js';
import { allowedActions, type Actor } from '../domain/lifecycle.js';
import { archiveHistoryOnClose } from './archive.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LifecycleRecorder,
  guard,
  type Deadline,
} from './lifecycle.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const kycStateQuery = defineQuery<KycState>('state');
export const submitKycUpdate = defineUpdate<KycState, [SubmitKycArgs]>('submit');
export const approveKycUpdate = defineUpdate<KycState, [ApproveKycArgs]>('approve');
export const rejectKycUpdate = defineUpdate<KycState, [RejectKycArgs]>('reject');
export const requestKycChangesUpdate = defineUpdate<KycState, [RequestKycChangesArgs]>('request_changes');

const { projectKyc } = proxyActivities<KycActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

type Command =
  | { action: 'submit'; args: SubmitKycArgs }
  | { action: 'approve'; args: ApproveKycArgs }
  | { action: 'reject'; args: RejectKycArgs }
  | { action: 'request_changes'; args: RequestKycChangesArgs };

export async function kyc(input: KycInput): Promise<KycState> {
  guard(checkKycInput(input));
  const { clientId, policy } = input;
  const carried = input.carried ?? null;

  let submission: KycSubmission | null = carried?.submission ?? null;
  let decision: KycDecision | null = carried?.decision ?? null;
  let approvedAt: string | null = carried?.approvedAt ?? null;
  let expiresAt: string | null = carried?.expiresAt ?? null;
  const createdAt = carried?.createdAt ?? new Date(Date.now()).toISOString();
  const runs = carried?.runs ?? 0;
  /** A review cycle ended in this run: time to continue-as-new with a short history. */
  let cycleCompleted = false;

  const lifecycle = new LifecycleRecorder<KycStatus, KycAction>({
    type: KYC_TYPE,
    businessId: clientId,
    ownerId: clientId,
    table: KYC_TRANSITIONS,
    initial: 'NOT_STARTED',
    startAction: 'open',
    attributes: () => ({ submission, decision, approvedAt, expiresAt }),
  });
  if (carried) {
    lifecycle.status = carried.status;
    lifecycle.timeline.push(...carried.timeline);
  }
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, KycState>({
    noun: 'KYC review',
    status: () => lifecycle.status,
    answer: snapshot,
  });

  function view(): KycView {
    return { status: lifecycle.status, clientId };
  }

  function snapshot(): KycState {
    const status = lifecycle.status;
    return {
      clientId,
      workflowId,
      type: KYC_TYPE,
      status,
      submission,
      decision,
      approvedAt,
      expiresAt,
      createdAt,
      closedAt: lifecycle.closedAt,
      runs,
      allowedActions: allowedActions(KYC_TRANSITIONS, status).filter((a): a is KycHumanAction =>
        (KYC_HUMAN_ACTIONS as readonly string[]).includes(a),
      ),
      timeline: [...lifecycle.timeline],
    };
  }

  function carry(): KycCarriedState {
    return {
      status: lifecycle.status,
      timeline: [...lifecycle.timeline],
      submission,
      decision,
      approvedAt,
      expiresAt,
      createdAt,
      runs: runs + 1,
    };
  }

  const nowIso = () => new Date(Date.now()).toISOString();

  /** The documents of the submission under review moving on, plus the client's kyc_status. */
  async function project(
    status: KycStatus,
    to: NonNullable<ProjectKycInput['documents']>['to'] | null,
  ): Promise<void> {
    await projectKyc.executeWithOptions({ summary: `kyc_status ${status}` }, [
      {
        clientId,
        status,
        documents:
          to && submission
            ? { ids: submission.documents.map((d) => d.id), cycle: submission.cycle, to, at: nowIso() }
            : undefined,
      },
    ]);
  }

  const decided = (action: KycDecision['action'], actor: Actor, text: string | null): KycDecision => ({
    action,
    cycle: submission?.cycle ?? 0,
    at: nowIso(),
    actor: { id: actor.id, role: actor.role },
    text,
  });

  // --- Steps ------------------------------------------------------------------------------------

  async function open(): Promise<void> {
    await lifecycle.transition(null, null, { reason: 'KYC review opened' });
  }

  async function submit(args: SubmitKycArgs): Promise<void> {
    const next: KycSubmission = {
      cycle: (submission?.cycle ?? 0) + 1,
      documents: args.documents.map((d) => ({ id: d.id, type: d.type })),
      submittedAt: nowIso(),
    };
    // Refused for good (kyc_documents_missing, 422) when a document is not the client's any more.
    await projectKyc.executeWithOptions({ summary: `submission ${next.cycle}` }, [
      {
        clientId,
        status: 'PENDING_REVIEW',
        documents: {
          ids: next.documents.map((d) => d.id),
          cycle: next.cycle,
          to: 'SUBMITTED',
          at: next.submittedAt,
        },
      },
    ]);
    submission = next;
    const count = next.documents.length;
    await lifecycle.transition('submit', args.actor, {
      reason: `Submitted ${count} document${count === 1 ? '' : 's'} for review`,
      data: { cycle: next.cycle, documents: next.documents },
      openTasks: [
        {
          kind: KYC_TASKS.review,
          requiredRole: 'operations',
          subjectType: KYC_TYPE,
          subjectId: clientId,
          dueAt: new Date(Date.now() + policy.reviewDueMs).toISOString(),
          summary: `Review KYC submission ${next.cycle} (${next.documents.map((d) => d.type).join(', ')})`,
        },
      ],
    });
  }

  async function approve(args: ApproveKycArgs): Promise<void> {
    const note = args.note?.trim() || null;
    await project('APPROVED', 'ACCEPTED');
    const at = Date.now();
    approvedAt = new Date(at).toISOString();
    expiresAt = new Date(at + policy.approvalValidityMs).toISOString();
    decision = decided('approve', args.actor, note);
    await lifecycle.transition('approve', args.actor, {
      reason: note ?? `Approved until ${expiresAt}`,
      data: { note, cycle: submission?.cycle, expiresAt },
      closeTasks: [{ kind: KYC_TASKS.review, outcome: 'approved', completedBy: args.actor.id }],
    });
    cycleCompleted = true;
  }

  async function reject(args: RejectKycArgs): Promise<void> {
    const reason = args.reason.trim();
    await project('REJECTED', 'RETURNED');
    decision = decided('reject', args.actor, reason);
    await lifecycle.transition('reject', args.actor, {
      reason,
      data: { cycle: submission?.cycle },
      closeTasks: [{ kind: KYC_TASKS.review, outcome: 'rejected', completedBy: args.actor.id }],
    });
    cycleCompleted = true;
  }

  async function requestChanges(args: RequestKycChangesArgs): Promise<void> {
    const comments = args.comments.trim();
    await project('CHANGES_REQUESTED', 'RETURNED');
    decision = decided('request_changes', args.actor, comments);
    await lifecycle.transition('request_changes', args.actor, {
      reason: comments,
      data: { cycle: submission?.cycle, comments },
      closeTasks: [{ kind: KYC_TASKS.review, outcome: 'changes_requested', completedBy: args.actor.id }],
    });
    cycleCompleted = true;
  }

  async function expire(): Promise<void> {
    await project('EXPIRED', 'EXPIRED');
    await lifecycle.transition('expire', null, {
      reason: `The approval of ${approvedAt} expired; submit fresh documents for a new review`,
      data: { approvedAt, expiresAt },
    });
    cycleCompleted = true;
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'submit':
        return submit(command.args);
      case 'approve':
        return approve(command.args);
      case 'reject':
        return reject(command.args);
      case 'request_changes':
        return requestChanges(command.args);
    }
  }

  // --- Messages -------------------------------------------------------------------------------

  setHandler(kycStateQuery, snapshot);
  commands.handle(
    submitKycUpdate,
    (args) => checkSubmit(view(), args),
    (args) => ({ action: 'submit', args }),
  );
  commands.handle(
    approveKycUpdate,
    (args) => checkApprove(view(), args),
    (args) => ({ action: 'approve', args }),
  );
  commands.handle(
    rejectKycUpdate,
    (args) => checkReject(view(), args),
    (args) => ({ action: 'reject', args }),
  );
  commands.handle(
    requestKycChangesUpdate,
    (args) => checkRequestChanges(view(), args),
    (args) => ({
      action: 'request_changes',
      args,
    }),
  );

  // --- Main loop --------------------------------------------------------------------------------

  function deadline(): Deadline | null {
    if (lifecycle.status === 'APPROVED' && expiresAt) {
      return { atMs: Date.parse(expiresAt), summary: `KYC approval expires ${expiresAt}` };
    }
    return null;
  }

  async function elapsed(): Promise<void> {
    if (lifecycle.status === 'APPROVED') await expire();
  }

  const continueAsNewDue = () => cycleCompleted || workflowInfo().continueAsNewSuggested;

  if (!carried) await open();
  for (;;) {
    await commands.loop({ done: () => lifecycle.terminal || continueAsNewDue(), deadline, run, elapsed });
    // Let every Update handler answer first. One accepted meanwhile is applied, never dropped.
    await condition(() => allHandlersFinished() || commands.pending);
    if (!commands.pending) break;
    await commands.applySubmitted(run);
  }
  if (lifecycle.terminal) {
    // The workflow really closes (REJECTED is final): archive its history. Only here, not before a
    // continue-as-new: the archive keeps one history per workflow id, is served in place of
    // Temporal's once present (api/services/audit-workflows.ts loadHistory) and is meant for a
    // lifecycle that has closed, so archiving every run would show auditors a stale earlier run of
    // a review that is still going on, each run overwriting the one before.
    await archiveHistoryOnClose();
    return snapshot();
  }
  return continueAsNew<typeof kyc>({ clientId, policy, carried: carry() });
}
