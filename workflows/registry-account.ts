// The verification of a client's registry account: registered (PENDING_VERIFICATION, a
// `registry_account.verify` task for operations) → VERIFIED (the registry confirmed the account
// exists) or REJECTED. Both endings close the workflow. Rules live in domain/registry-account.ts;
// the plumbing (status, timeline, one command at a time, recordTransition) in workflows/lifecycle.ts.
import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { RegistryAccountActivities } from '../activities/registry-account.js';
import {
  REGISTRY_ACCOUNT_TASKS,
  REGISTRY_ACCOUNT_TRANSITIONS,
  REGISTRY_ACCOUNT_TYPE,
  checkRegistryAccountInput,
  checkRejectRegistryAccount,
  checkVerifyRegistryAccount,
  type RegistryAccountAction,
  type RegistryAccountInput,
  type RegistryAccountState,
  type RegistryAccountStatus,
  type RegistryAccountView,
  type RegistryConfirmation,
  type RejectRegistryAccountArgs,
  type VerifyRegistryAccountArgs,
} from '../domain/registry-account.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LifecycleRecorder,
  guard,
  refusalFailure,
} from './lifecycle.js';
import { decided, registered, verifyUntilClosed } from './verified-account.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const registryAccountStateQuery = defineQuery<RegistryAccountState>('state');
/** Sent with the start (api/lifecycle-kit): answers once the registration is recorded. */
export const registryAccountStartedUpdate = defineUpdate<RegistryAccountState, []>('started');
export const verifyRegistryAccountUpdate = defineUpdate<RegistryAccountState, [VerifyRegistryAccountArgs]>(
  'verify',
);
export const rejectRegistryAccountUpdate = defineUpdate<RegistryAccountState, [RejectRegistryAccountArgs]>(
  'reject',
);

const { projectRegistryAccount } = proxyActivities<RegistryAccountActivities>(LIFECYCLE_ACTIVITY_OPTIONS);
// An operator waits for this answer: a few quick attempts, then the registry's silence goes back to
// them as `registry_unavailable` (verify again later) instead of an Update that never answers.
const { confirmRegistryAccount } = proxyActivities<RegistryAccountActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * The registry gave no answer we can act on: an attempt timed out (the registry slow, or the worker
 * killed mid-call: start-to-close), or every attempt failed retryably (the registry down, a network
 * error) until the attempts ran out. Transient, so the operator verifies again later. A failure the
 * activity marked non-retryable (registry_account_not_found, a bug) is not.
 */
function registrySilent(error: ActivityFailure): boolean {
  if (error.cause instanceof TimeoutFailure) return true;
  if (error.cause instanceof ApplicationFailure && error.cause.type === 'registry_unavailable') return true;
  return error.retryState === 'MAXIMUM_ATTEMPTS_REACHED' || error.retryState === 'TIMEOUT';
}

type Command =
  | { action: 'verify'; args: VerifyRegistryAccountArgs }
  | { action: 'reject'; args: RejectRegistryAccountArgs };

export async function registryAccount(input: RegistryAccountInput): Promise<RegistryAccountState> {
  guard(checkRegistryAccountInput(input));
  const { registryAccountId, clientId, policy, registry, accountId } = input;
  const createdAtMs = Date.now();
  const label = `${accountId} (${registry} registry)`;
  let confirmation: RegistryConfirmation | null = null;

  const lifecycle = new LifecycleRecorder<RegistryAccountStatus, RegistryAccountAction>({
    type: REGISTRY_ACCOUNT_TYPE,
    businessId: registryAccountId,
    ownerId: clientId,
    table: REGISTRY_ACCOUNT_TRANSITIONS,
    initial: 'PENDING_VERIFICATION',
    startAction: 'register',
    attributes: () => ({ registry, accountId, holderName: input.holderName, confirmation }),
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, RegistryAccountState>({
    noun: 'registry account',
    status: () => lifecycle.status,
    answer: snapshot,
  });

  function view(): RegistryAccountView {
    return { status: lifecycle.status, clientId };
  }

  function snapshot(): RegistryAccountState {
    return {
      id: registryAccountId,
      workflowId,
      type: REGISTRY_ACCOUNT_TYPE,
      status: lifecycle.status,
      clientId,
      registry,
      accountId,
      confirmation,
      createdAt: new Date(createdAtMs).toISOString(),
      closedAt: lifecycle.closedAt,
      timeline: [...lifecycle.timeline],
    };
  }

  const nowIso = () => new Date(Date.now()).toISOString();

  // --- Steps ------------------------------------------------------------------------------------

  async function register(): Promise<void> {
    await lifecycle.transition(
      null,
      input.requestedBy,
      registered({
        taskKind: REGISTRY_ACCOUNT_TASKS.verify,
        type: REGISTRY_ACCOUNT_TYPE,
        id: registryAccountId,
        createdAtMs,
        verifyDueMs: policy.verifyDueMs,
        noun: 'Registry account',
        label,
        holder: input.holderName,
      }),
    );
  }

  /** The registry's answer; its refusal (unknown account, registry down) goes back to the operator. */
  async function confirm(): Promise<RegistryConfirmation> {
    try {
      return await confirmRegistryAccount.executeWithOptions({ summary: `ask the registry about ${label}` }, [
        { registry, accountId },
      ]);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type === 'registry_account_not_found') throw cause;
      if (registrySilent(error)) {
        throw refusalFailure({
          code: 'registry_unavailable',
          message: `the ${registry} registry is not answering; verify again later`,
        });
      }
      throw error;
    }
  }

  async function verify(args: VerifyRegistryAccountArgs): Promise<void> {
    const note = args.note?.trim() || null;
    const confirmed = await confirm();
    await projectRegistryAccount.executeWithOptions({ summary: `verify ${label}` }, [
      {
        id: registryAccountId,
        to: 'VERIFIED',
        actorId: args.actor.id,
        text: note,
        registryHolderName: confirmed.holderName,
        at: nowIso(),
      },
    ]);
    confirmation = confirmed;
    await lifecycle.transition('verify', args.actor, {
      reason: note ?? 'Verified; the registry confirmed the account',
      data: { note, registryHolderName: confirmed.holderName },
      closeTasks: decided(REGISTRY_ACCOUNT_TASKS.verify, 'verified', args.actor),
    });
  }

  async function reject(args: RejectRegistryAccountArgs): Promise<void> {
    const reason = args.reason.trim();
    await projectRegistryAccount.executeWithOptions({ summary: `reject ${label}` }, [
      {
        id: registryAccountId,
        to: 'REJECTED',
        actorId: args.actor.id,
        text: reason,
        registryHolderName: null,
        at: nowIso(),
      },
    ]);
    await lifecycle.transition('reject', args.actor, {
      reason,
      closeTasks: decided(REGISTRY_ACCOUNT_TASKS.verify, 'rejected', args.actor),
    });
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'verify':
        return verify(command.args);
      case 'reject':
        return reject(command.args);
    }
  }

  // --- Messages -------------------------------------------------------------------------------

  setHandler(registryAccountStateQuery, snapshot);
  lifecycle.answerStarted(registryAccountStartedUpdate, snapshot);
  commands.handle(
    verifyRegistryAccountUpdate,
    (args) => checkVerifyRegistryAccount(view(), args),
    (args) => ({ action: 'verify', args }),
  );
  commands.handle(
    rejectRegistryAccountUpdate,
    (args) => checkRejectRegistryAccount(view(), args),
    (args) => ({ action: 'reject', args }),
  );

  // --- Main loop: only people move a registry account on (no deadlines) ------------------------

  return verifyUntilClosed(lifecycle, commands, { register, run, snapshot });
}
