// The deposit lifecycle: announced → (wire confirmed, AML screened) → held or reviewed → cleared or
// returned; or cancelled / expired before any money arrived. Transition rules, permissions and
// checks live in domain/deposit.ts; this file only sequences them with timers, activities and Updates.
//
// Shape every lifecycle workflow follows:
//   - explicit `status` + `timeline`; the Query `state` returns a snapshot;
//   - human actions are Updates whose validators run the domain checks and throw ApplicationFailure
//     of type invalid_state / forbidden / validation_failed (API: 409 / 403 / 400);
//   - an accepted Update hands its command to the main loop and waits for it; the main loop is the
//     only place that changes status, so timers and people never race;
//   - every transition runs recordTransition once (read model, timeline, tasks, NOTIFY);
//   - the workflow ends only after every Update handler has finished.
// Future changes to this sequence go behind patched('<change-id>') at the step they alter.
import {
  ApplicationFailure,
  TemporalFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { DepositActivities } from '../activities/deposit.js';
import type { CloseTask, LifecycleActivities, OpenTask } from '../activities/lifecycle.js';
import {
  DEPOSIT_HUMAN_ACTIONS,
  DEPOSIT_TASKS,
  DEPOSIT_TRANSITIONS,
  DEPOSIT_TYPE,
  checkAmount,
  checkCancel,
  checkConfirm,
  checkDepositInput,
  checkExtend,
  checkReject,
  checkRelease,
  holdDurationMs,
  type CancelDepositArgs,
  type ConfirmDepositArgs,
  type DepositAction,
  type DepositInput,
  type DepositScreening,
  type DepositState,
  type DepositStatus,
  type DepositView,
  type ExtendDepositArgs,
  type RejectDepositArgs,
  type ReleaseDepositArgs,
} from '../domain/deposit.js';
import {
  allowedActions,
  isTerminal,
  nextStatus,
  timelineEntry,
  type Actor,
  type Refusal,
  type TimelineEntry,
} from '../domain/lifecycle.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const depositStateQuery = defineQuery<DepositState>('state');
export const confirmDepositUpdate = defineUpdate<DepositState, [ConfirmDepositArgs]>('confirm');
export const cancelDepositUpdate = defineUpdate<DepositState, [CancelDepositArgs]>('cancel');
export const releaseDepositUpdate = defineUpdate<DepositState, [ReleaseDepositArgs]>('release');
export const extendDepositUpdate = defineUpdate<DepositState, [ExtendDepositArgs]>('extend');
export const rejectDepositUpdate = defineUpdate<DepositState, [RejectDepositArgs]>('reject');

// ---------------------------------------------------------------------------------------------
// Activities. Postings and the read model must eventually happen, so they retry without limit
// (a stuck one shows in the Temporal UI and resumes after a fix); business refusals from the
// ledger are non-retryable ApplicationFailures raised by the activity itself.

const RETRY: ActivityOptions['retry'] = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
};

const { confirmDepositPosting, clearDepositPosting, returnDepositPosting } =
  proxyActivities<DepositActivities>({
    startToCloseTimeout: '30 seconds',
    retry: RETRY,
  });
const { screenDeposit } = proxyActivities<DepositActivities>({
  startToCloseTimeout: '30 seconds',
  retry: RETRY,
});
const { recordTransition } = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: RETRY,
});

// ---------------------------------------------------------------------------------------------

type Command =
  | { action: 'confirm'; args: ConfirmDepositArgs }
  | { action: 'cancel'; args: CancelDepositArgs }
  | { action: 'release'; args: ReleaseDepositArgs }
  | { action: 'extend'; args: ExtendDepositArgs }
  | { action: 'reject'; args: RejectDepositArgs };

interface Submitted {
  command: Command;
  done: boolean;
  error?: ApplicationFailure;
}

interface TransitionEffects {
  reason: string | null;
  data?: Record<string, unknown>;
  openTasks?: OpenTask[];
  closeTasks?: CloseTask[];
}

/** A Refusal from the domain as the ApplicationFailure the API maps (type = refusal code). */
function refusalFailure(refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({
    type: refusal.code,
    message: refusal.message,
    nonRetryable: true,
    details: refusal.details === undefined ? [] : [refusal.details],
  });
}

/** Update validators: throw to reject the Update before it enters history. */
function guard(refusal: Refusal | null): void {
  if (refusal) throw refusalFailure(refusal);
}

export async function deposit(input: DepositInput): Promise<DepositState> {
  guard(checkDepositInput(input));
  const { workflowId } = workflowInfo();
  const { businessId, clientId, currency, reference, policy } = input;
  const amount = canonical(input.amount);
  const wireReference = input.wireReference?.trim() || null;
  const createdAtMs = Date.now();

  let status: DepositStatus = 'PENDING';
  const timeline: TimelineEntry<DepositStatus>[] = [];
  let receivedAmount: string | null = null;
  let receivedAt: string | null = null;
  let confirmedAt: string | null = null;
  let holdUntil: string | null = null;
  let screening: DepositScreening | null = null;
  let closedAt: string | null = null;

  /** The accepted Update the main loop has not finished yet. */
  let submitted: Submitted | undefined;
  /** The main loop is making a change of its own (expiry, end of hold). */
  let busy = false;

  function canonical(text: string): string {
    const result = checkAmount(currency, text, 'amount');
    if (!result.ok) throw refusalFailure(result.refusal);
    return result.amount;
  }

  function view(): DepositView {
    return { status, clientId, currency, holdUntil };
  }

  function snapshot(): DepositState {
    return {
      id: businessId,
      workflowId,
      type: DEPOSIT_TYPE,
      status,
      clientId,
      amount,
      currency,
      reference,
      wireReference,
      receivedAmount,
      receivedAt,
      holdUntil,
      screening,
      createdAt: new Date(createdAtMs).toISOString(),
      closedAt,
      allowedActions: allowedActions(DEPOSIT_TRANSITIONS, status).filter(
        (a): a is (typeof DEPOSIT_HUMAN_ACTIONS)[number] =>
          (DEPOSIT_HUMAN_ACTIONS as readonly string[]).includes(a),
      ),
      timeline: [...timeline],
    };
  }

  /** What the lifecycle row carries for lists (replaces the previous values key by key). */
  function attributes(): Record<string, unknown> {
    return {
      amount,
      currency,
      reference,
      wireReference,
      receivedAmount,
      receivedAt,
      confirmedAt,
      holdUntil,
      screening: screening && {
        score: screening.score,
        decision: screening.decision,
        reasons: screening.reasons,
      },
    };
  }

  /** Moves to the status `action` leads to and records it; the only place status changes. */
  async function transition(
    action: DepositAction | null,
    actor: Actor | null,
    effects: TransitionEffects,
  ): Promise<void> {
    let to: DepositStatus = 'PENDING';
    if (action !== null) {
      const next = nextStatus(DEPOSIT_TRANSITIONS, status, action);
      if (!next.ok) throw refusalFailure(next.refusal); // validators make this unreachable
      to = next.to;
    }
    const entry = timelineEntry<DepositStatus>(
      Date.now(),
      action === null ? null : status,
      to,
      actor,
      effects.reason,
    );
    status = to;
    timeline.push(entry);
    const closed = isTerminal(DEPOSIT_TRANSITIONS, to);
    if (closed) closedAt = entry.at;
    setCurrentDetails(
      `**${to}**${holdUntil && to === 'ON_HOLD' ? ` until ${holdUntil}` : ''} — ${effects.reason ?? ''}`,
    );
    await recordTransition.executeWithOptions({ summary: `${entry.from ?? 'start'} → ${to}` }, [
      {
        workflowId,
        type: DEPOSIT_TYPE,
        businessId,
        ownerId: clientId,
        seq: timeline.length,
        action: action ?? 'announce',
        entry,
        attributes: attributes(),
        data: effects.data,
        openTasks: effects.openTasks,
        closeTasks: effects.closeTasks,
        closed,
      },
    ]);
  }

  const posting = () => ({ clientId, currency, amount: receivedAmount! });
  const money = (value: string) => `${value} ${currency}`;
  const amlReviewTask = (dueAt: string, summary: string, priority: number): OpenTask => ({
    kind: DEPOSIT_TASKS.amlReview,
    requiredRole: 'aml_officer',
    subjectType: DEPOSIT_TYPE,
    subjectId: businessId,
    dueAt,
    summary,
    priority,
  });

  // --- Steps (each a unit a future patched() can branch in) -------------------------------------

  async function announce(): Promise<void> {
    await transition(null, input.requestedBy, {
      reason: `Deposit of ${money(amount)} announced`,
      data: { amount, currency, reference, wireReference },
      openTasks: [
        {
          kind: DEPOSIT_TASKS.confirmReceipt,
          requiredRole: 'operations',
          subjectType: DEPOSIT_TYPE,
          subjectId: businessId,
          dueAt: new Date(createdAtMs + policy.announcementWindowMs).toISOString(),
          summary: `Confirm receipt of ${money(amount)} (${reference})`,
        },
      ],
    });
  }

  async function confirm(args: ConfirmDepositArgs): Promise<void> {
    const received = canonical(args.receivedAmount);
    const nowIso = new Date(Date.now()).toISOString();
    receivedAmount = received;
    receivedAt = args.receivedAt ? new Date(Date.parse(args.receivedAt)).toISOString() : nowIso;
    confirmedAt = nowIso;
    const senderReference = args.senderReference?.trim() || null;
    try {
      await confirmDepositPosting.executeWithOptions({ summary: `deposit.confirm ${money(received)}` }, [
        posting(),
      ]);
    } catch (error) {
      receivedAmount = receivedAt = confirmedAt = null; // nothing was booked: still PENDING
      throw error;
    }
    screening = await screenDeposit.executeWithOptions({ summary: `AML screening of ${money(received)}` }, [
      {
        clientId,
        currency,
        announcedAmount: amount,
        receivedAmount: received,
        expectedReference: reference,
        announcedReference: wireReference,
        senderReference,
        senderCountry: args.senderCountry ?? null,
        asOf: nowIso,
        policy: policy.aml,
      },
    ]);
    const holdMs = holdDurationMs(screening.decision, policy);
    const closeTasks: CloseTask[] = [
      { kind: DEPOSIT_TASKS.confirmReceipt, outcome: 'confirmed', completedBy: args.actor.id },
    ];
    const data = { receivedAmount: received, receivedAt, note: args.note?.trim() || null, screening };
    if (holdMs === null) {
      await transition('confirm_flagged', args.actor, {
        reason: `Received ${money(received)}; under compliance review`,
        data,
        closeTasks,
        openTasks: [
          amlReviewTask(
            new Date(Date.now() + policy.amlReviewDueMs).toISOString(),
            `Review flagged deposit of ${money(received)} (score ${screening.score})`,
            10,
          ),
        ],
      });
      return;
    }
    holdUntil = new Date(Date.now() + holdMs).toISOString();
    await transition('confirm', args.actor, {
      reason: `Received ${money(received)}; on hold until ${holdUntil}`,
      data: { ...data, holdUntil },
      closeTasks,
      // A long hold means risk indicators: an officer should look before it clears by itself.
      openTasks:
        screening.decision === 'long_hold'
          ? [
              amlReviewTask(
                holdUntil,
                `Look at long hold of ${money(received)} (score ${screening.score})`,
                0,
              ),
            ]
          : [],
    });
  }

  async function cancel(args: CancelDepositArgs): Promise<void> {
    await transition('cancel', args.actor, {
      reason: 'Cancelled by the client',
      closeTasks: [{ kind: DEPOSIT_TASKS.confirmReceipt, outcome: 'cancelled', status: 'cancelled' }],
    });
  }

  async function expire(): Promise<void> {
    await transition('expire', null, {
      reason: 'No funds arrived within the announcement window',
      closeTasks: [{ kind: DEPOSIT_TASKS.confirmReceipt, outcome: 'expired', status: 'cancelled' }],
    });
  }

  async function release(args: ReleaseDepositArgs): Promise<void> {
    await clearDepositPosting.executeWithOptions({ summary: `deposit.clear ${money(receivedAmount!)}` }, [
      posting(),
    ]);
    await transition('release', args.actor, {
      reason: args.note.trim(),
      closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'released', completedBy: args.actor.id }],
    });
  }

  async function holdElapsed(): Promise<void> {
    await clearDepositPosting.executeWithOptions({ summary: `deposit.clear ${money(receivedAmount!)}` }, [
      posting(),
    ]);
    await transition('hold_elapsed', null, {
      reason: 'Hold period ended',
      closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'hold_elapsed', status: 'cancelled' }],
    });
  }

  async function extend(args: ExtendDepositArgs): Promise<void> {
    const previous = holdUntil;
    holdUntil = new Date(Date.parse(args.until)).toISOString();
    await transition('extend', args.actor, {
      reason: args.note.trim(),
      data: { previousHoldUntil: previous, holdUntil },
      closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'extended', completedBy: args.actor.id }],
    });
  }

  async function reject(args: RejectDepositArgs): Promise<void> {
    await returnDepositPosting.executeWithOptions({ summary: `deposit.return ${money(receivedAmount!)}` }, [
      posting(),
    ]);
    holdUntil = null;
    await transition('reject', args.actor, {
      reason: args.reason.trim(),
      closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'rejected', completedBy: args.actor.id }],
    });
  }

  async function run(command: Command): Promise<void> {
    switch (command.action) {
      case 'confirm':
        return confirm(command.args);
      case 'cancel':
        return cancel(command.args);
      case 'release':
        return release(command.args);
      case 'extend':
        return extend(command.args);
      case 'reject':
        return reject(command.args);
    }
  }

  // --- Messages -------------------------------------------------------------------------------

  setHandler(depositStateQuery, snapshot);

  /** One change at a time: a second Update while one is being applied is refused, not queued. */
  function notBusy(): Refusal | null {
    return submitted || busy
      ? {
          code: 'invalid_state',
          message: 'another change to this deposit is in progress; try again',
          details: { status },
        }
      : null;
  }

  async function submit(command: Command): Promise<DepositState> {
    const entry: Submitted = { command, done: false };
    submitted = entry;
    await condition(() => entry.done);
    if (entry.error) throw entry.error;
    return snapshot();
  }

  setHandler(confirmDepositUpdate, (args) => submit({ action: 'confirm', args }), {
    validator: (args) => guard(checkConfirm(view(), args, Date.now()) ?? notBusy()),
  });
  setHandler(cancelDepositUpdate, (args) => submit({ action: 'cancel', args }), {
    validator: (args) => guard(checkCancel(view(), args) ?? notBusy()),
  });
  setHandler(releaseDepositUpdate, (args) => submit({ action: 'release', args }), {
    validator: (args) => guard(checkRelease(view(), args) ?? notBusy()),
  });
  setHandler(extendDepositUpdate, (args) => submit({ action: 'extend', args }), {
    validator: (args) => guard(checkExtend(view(), args, Date.now(), policy) ?? notBusy()),
  });
  setHandler(rejectDepositUpdate, (args) => submit({ action: 'reject', args }), {
    validator: (args) => guard(checkReject(view(), args) ?? notBusy()),
  });

  // --- Main loop ------------------------------------------------------------------------------

  /** When the current status ends by itself, or null if only a person can end it. */
  function deadline(): { atMs: number; summary: string } | null {
    if (status === 'PENDING') {
      const atMs = createdAtMs + policy.announcementWindowMs;
      return { atMs, summary: `Announcement window ends ${new Date(atMs).toISOString()}` };
    }
    if (status === 'ON_HOLD' && holdUntil)
      return { atMs: Date.parse(holdUntil), summary: `AML hold until ${holdUntil}` };
    return null;
  }

  async function applySubmitted(entry: Submitted): Promise<void> {
    try {
      await run(entry.command);
    } catch (error) {
      // A failed activity or a refusal goes back to the person who asked; the deposit stays as it
      // was. Anything else is a bug: fail the workflow task so it is retried after a fix.
      if (!(error instanceof TemporalFailure)) throw error;
      entry.error =
        error instanceof ApplicationFailure
          ? error
          : ApplicationFailure.create({
              type: (error.cause instanceof ApplicationFailure && error.cause.type) || 'action_failed',
              message: error.cause?.message ?? error.message,
              nonRetryable: true,
            });
    } finally {
      entry.done = true;
      submitted = undefined;
    }
  }

  async function system(step: () => Promise<void>): Promise<void> {
    busy = true;
    try {
      await step();
    } finally {
      busy = false;
    }
  }

  await announce();
  while (!isTerminal(DEPOSIT_TRANSITIONS, status)) {
    const until = deadline();
    if (until === null) {
      await condition(() => submitted !== undefined);
    } else {
      const remaining = until.atMs - Date.now();
      if (remaining > 0)
        await condition(() => submitted !== undefined, remaining, { summary: until.summary });
    }
    // An Update accepted in the same instant as the deadline still wins: it was validated against
    // the current status and is already waiting for its answer.
    if (submitted) {
      await applySubmitted(submitted);
    } else if (status === 'PENDING') {
      await system(expire);
    } else if (status === 'ON_HOLD') {
      await system(holdElapsed);
    }
  }

  await condition(allHandlersFinished);
  return snapshot();
}
