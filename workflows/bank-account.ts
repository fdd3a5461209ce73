// The verification of a client's bank account: registered (PENDING_VERIFICATION, a
// `bank_account.verify` task for operations) → VERIFIED or REJECTED; the client may remove it
// (REMOVED) unless a withdrawal to it is in flight. A verified account's workflow stays open, waiting
// for a removal, and costs nothing meanwhile (no timers). Rules live in domain/bank-account.ts; the
// plumbing (status, timeline, one command at a time, recordTransition) in workflows/lifecycle.ts.
import { defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BankAccountActivities } from '../activities/bank-account.js';
import {
  BANK_ACCOUNT_TASKS,
  BANK_ACCOUNT_TRANSITIONS,
  BANK_ACCOUNT_TYPE,
  checkBankAccountInput,
  checkRejectAccount,
  checkRemove,
  checkVerify,
  maskIban,
  type BankAccountAction,
  type BankAccountInput,
  type BankAccountState,
  type BankAccountStatus,
  type BankAccountView,
  type RejectBankAccountArgs,
  type RemoveBankAccountArgs,
  type VerifyBankAccountArgs,
} from '../domain/bank-account.js';
import { CommandSlot, LIFECYCLE_ACTIVITY_OPTIONS, LifecycleRecorder, guard } from './lifecycle.js';
import { decided, registered, verifyUntilClosed } from './verified-account.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const bankAccountStateQuery = defineQuery<BankAccountState>('state');
/** Sent with the start (api/lifecycle-kit): answers once the registration is recorded. */
export const bankAccountStartedUpdate = defineUpdate<BankAccountState, []>('started');
export const verifyBankAccountUpdate = defineUpdate<BankAccountState, [VerifyBankAccountArgs]>('verify');
export const rejectBankAccountUpdate = defineUpdate<BankAccountState, [RejectBankAccountArgs]>('reject');
export const removeBankAccountUpdate = defineUpdate<BankAccountState, [RemoveBankAccountArgs]>('remove');

const { projectBankAccount, removeBankAccount } =
  proxyActivities<BankAccountActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

type Command =
  | { action: 'verify'; args: VerifyBankAccountArgs }
  | { action: 'reject'; args: RejectBankAccountArgs }
  | { action: 'remove'; args: RemoveBankAccountArgs };

export async function bankAccount(input: BankAccountInput): Promise<BankAccountState> {
  guard(checkBankAccountInput(input));
  const { bankAccountId, clientId, policy } = input;
  const createdAtMs = Date.now();
  const label = `${maskIban(input.iban)} (${input.bankName})`;

  const lifecycle = new LifecycleRecorder<BankAccountStatus, BankAccountAction>({
    type: BANK_ACCOUNT_TYPE,
    businessId: bankAccountId,
    ownerId: clientId,
    table: BANK_ACCOUNT_TRANSITIONS,
    initial: 'PENDING_VERIFICATION',
    startAction: 'register',
    attributes: () => ({
      iban: input.iban,
      bic: input.bic,
      accountName: input.accountName,
      bankName: input.bankName,
      country: input.country,
    }),
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, BankAccountState>({
    noun: 'bank account',
    status: () => lifecycle.status,
    answer: snapshot,
  });

  function view(): BankAccountView {
    return { status: lifecycle.status, clientId };
  }

  function snapshot(): BankAccountState {
    return {
      id: bankAccountId,
      workflowId,
      type: BANK_ACCOUNT_TYPE,
      status: lifecycle.status,
      clientId,
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
        taskKind: BANK_ACCOUNT_TASKS.verify,
        type: BANK_ACCOUNT_TYPE,
        id: bankAccountId,
        createdAtMs,
        verifyDueMs: policy.verifyDueMs,
        noun: 'Bank account',
        label,
        holder: input.accountName,
      }),
    );
  }

  async function verify(args: VerifyBankAccountArgs): Promise<void> {
    const note = args.note?.trim() || null;
    await projectBankAccount.executeWithOptions({ summary: `verify ${label}` }, [
      { bankAccountId, to: 'VERIFIED', actorId: args.actor.id, text: note, at: nowIso() },
    ]);
    await lifecycle.transition('verify', args.actor, {
      reason: note ?? 'Verified',
      data: { note },
      closeTasks: decided(BANK_ACCOUNT_TASKS.verify, 'verified', args.actor),
    });
  }

  async function reject(args: RejectBankAccountArgs): Promise<void> {
    const reason = args.reason.trim();
    await projectBankAccount.executeWithOptions({ summary: `reject ${label}` }, [
      { bankAccountId, to: 'REJECTED', actorId: args.actor.id, text: reason, at: nowIso() },
    ]);
    await lifecycle.transition('reject', args.actor, {
      reason,
      closeTasks: decided(BANK_ACCOUNT_TASKS.verify, 'rejected', args.actor),
    });
  }

  async function remove(args: RemoveBankAccountArgs): Promise<void> {
    // Refused (invalid_state) while a withdrawal to the account is in flight: nothing changes.
    await removeBankAccount.executeWithOptions({ summary: `remove ${label}` }, [
      { bankAccountId, actorId: args.actor.id, at: nowIso() },
    ]);
    await lifecycle.transition('remove', args.actor, {
      reason: 'Removed by the client',
      closeTasks: [{ kind: BANK_ACCOUNT_TASKS.verify, outcome: 'removed', status: 'cancelled' }],
    });
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'verify':
        return verify(command.args);
      case 'reject':
        return reject(command.args);
      case 'remove':
        return remove(command.args);
    }
  }

  // --- Messages -------------------------------------------------------------------------------

  setHandler(bankAccountStateQuery, snapshot);
  lifecycle.answerStarted(bankAccountStartedUpdate, snapshot);
  commands.handle(
    verifyBankAccountUpdate,
    (args) => checkVerify(view(), args),
    (args) => ({ action: 'verify', args }),
  );
  commands.handle(
    rejectBankAccountUpdate,
    (args) => checkRejectAccount(view(), args),
    (args) => ({
      action: 'reject',
      args,
    }),
  );
  commands.handle(
    removeBankAccountUpdate,
    (args) => checkRemove(view(), args),
    (args) => ({ action: 'remove', args }),
  );

  // --- Main loop: only people move a bank account on (no deadlines) ----------------------------

  return verifyUntilClosed(lifecycle, commands, { register, run, snapshot });
}
