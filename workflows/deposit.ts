// The deposit lifecycle: announced → (wire confirmed, AML screened) → held or reviewed → cleared or
// returned; or cancelled / expired before any money arrived. Transition rules, permissions and
// checks live in domain/deposit.ts; this file only sequences them with timers, activities and Updates.
//
// Shape every lifecycle workflow follows (the shared machinery is workflows/lifecycle.ts):
//   - explicit `status` + `timeline`; the Query `state` returns a snapshot;
//   - human actions are Updates whose validators run the domain checks and throw ApplicationFailure
//     of type invalid_state / forbidden / validation_failed (API: 409 / 403 / 400);
//   - an accepted Update hands its command to the main loop and waits for it; the main loop is the
//     only place that changes status, so timers and people never race;
//   - every transition runs recordTransition once (read model, timeline, tasks, NOTIFY);
//   - the workflow ends only after every Update handler has finished.
// Future changes to this sequence go behind patched('<change-id>') at the step they alter.
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DepositActivities, DepositPostingStep } from '../activities/deposit.js';
import { archiveHistoryOnClose } from './archive.js';
import {
  DEPOSIT_HUMAN_ACTIONS,
  DEPOSIT_TASKS,
  DEPOSIT_TRANSITIONS,
  DEPOSIT_TYPE,
  checkAmount,
  checkCancel,
  checkConfirm,
  checkDepositInput,
  checkDepositLimit,
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
import { allowedActions } from '../domain/lifecycle.js';
import {
  CommandSlot,
  LIFECYCLE_ACTIVITY_OPTIONS,
  LIFECYCLE_LOCAL_ACTIVITY_OPTIONS,
  LifecycleRecorder,
  guard,
  refusalFailure,
  type CloseTask,
  type Deadline,
  type OpenTask,
  type RecordVia,
} from './lifecycle.js';

// ---------------------------------------------------------------------------------------------
// Messages (the API imports these definitions to call the workflow).

export const depositStateQuery = defineQuery<DepositState>('state');
/** Sent with the start (api/lifecycle-kit): answers once the announcement is recorded. */
export const depositStartedUpdate = defineUpdate<DepositState, []>('started');
export const confirmDepositUpdate = defineUpdate<DepositState, [ConfirmDepositArgs]>('confirm');
export const cancelDepositUpdate = defineUpdate<DepositState, [CancelDepositArgs]>('cancel');
export const releaseDepositUpdate = defineUpdate<DepositState, [ReleaseDepositArgs]>('release');
export const extendDepositUpdate = defineUpdate<DepositState, [ExtendDepositArgs]>('extend');
export const rejectDepositUpdate = defineUpdate<DepositState, [RejectDepositArgs]>('reject');

// ---------------------------------------------------------------------------------------------
// Activities (retry policy: workflows/lifecycle.ts LIFECYCLE_RETRY, without limit).

const { confirmDepositPosting, clearDepositPosting, returnDepositPosting } =
  proxyActivities<DepositActivities>(LIFECYCLE_ACTIVITY_OPTIONS);
const { screenDeposit } = proxyActivities<DepositActivities>(LIFECYCLE_ACTIVITY_OPTIONS);
// Since patched(POSTING_WITH_TRANSITION): a posting and its transition are one local activity and
// one transaction (activities/deposit.ts recordTransitionWithDepositPosting). A screening must be
// fixed before anything is written: a local activity is run again when its workflow task is retried
// after a worker died, and a screening run again later may decide otherwise (velocity moves) and
// lead to another status than the one already recorded. Before patched(SCREENING_ONCE) it was an
// activity task for that reason (its result in history first); since, it is a local activity that
// keeps the first screening of each attempt in the database and answers every re-run with it
// (screenDepositOnce), which saves the confirmation a workflow task and an activity task.
const local = proxyLocalActivities<DepositActivities>(LIFECYCLE_LOCAL_ACTIVITY_OPTIONS);

/** Deposits from before this change post in an activity of their own, then record the transition. */
const POSTING_WITH_TRANSITION = 'deposit-posting-with-transition';

/** Deposits from before this change screen in an activity task (see screenDepositOnce above). */
const SCREENING_ONCE = 'deposit-screening-once';

// ---------------------------------------------------------------------------------------------

type Command =
  | { action: 'confirm'; args: ConfirmDepositArgs }
  | { action: 'cancel'; args: CancelDepositArgs }
  | { action: 'release'; args: ReleaseDepositArgs }
  | { action: 'extend'; args: ExtendDepositArgs }
  | { action: 'reject'; args: RejectDepositArgs };

export async function deposit(input: DepositInput): Promise<DepositState> {
  guard(checkDepositInput(input));
  guard(checkDepositLimit(input));
  const { businessId, clientId, currency, reference, policy } = input;
  const amount = canonical(input.amount);
  const wireReference = input.wireReference?.trim() || null;
  const createdAtMs = Date.now();

  let receivedAmount: string | null = null;
  let receivedAt: string | null = null;
  let confirmedAt: string | null = null;
  let holdUntil: string | null = null;
  let screening: DepositScreening | null = null;
  /** Screenings asked so far (screenDepositOnce's attempt). */
  let screenings = 0;

  const lifecycle = new LifecycleRecorder<DepositStatus, DepositAction>({
    type: DEPOSIT_TYPE,
    businessId,
    ownerId: clientId,
    table: DEPOSIT_TRANSITIONS,
    initial: 'PENDING',
    startAction: 'announce',
    attributes,
    details: (entry) =>
      `**${entry.to}**${holdUntil && entry.to === 'ON_HOLD' ? ` until ${holdUntil}` : ''} — ${entry.reason ?? ''}`,
  });
  const { workflowId } = lifecycle;
  const commands = new CommandSlot<Command, DepositState>({
    noun: 'deposit',
    status: () => lifecycle.status,
    answer: snapshot,
  });
  const transition = lifecycle.transition.bind(lifecycle);

  function canonical(text: string): string {
    const result = checkAmount(currency, text, 'amount');
    if (!result.ok) throw refusalFailure(result.refusal);
    return result.amount;
  }

  function view(): DepositView {
    return { status: lifecycle.status, clientId, currency, holdUntil };
  }

  function snapshot(): DepositState {
    const status = lifecycle.status;
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
      closedAt: lifecycle.closedAt,
      allowedActions: allowedActions(DEPOSIT_TRANSITIONS, status).filter(
        (a): a is (typeof DEPOSIT_HUMAN_ACTIONS)[number] =>
          (DEPOSIT_HUMAN_ACTIONS as readonly string[]).includes(a),
      ),
      timeline: [...lifecycle.timeline],
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

  const posting = () => ({ clientId, currency, amount: receivedAmount! });
  const money = (value: string) => `${value} ${currency}`;
  /** Records a transition together with the deposit's posting of `step` (one local activity). */
  const withPosting =
    (step: DepositPostingStep): RecordVia =>
    (transitionInput, summary) =>
      local.recordTransitionWithDepositPosting.executeWithOptions(
        { summary: `${summary} (deposit.${step} ${money(receivedAmount!)})` },
        [{ posting: { step, ...posting() }, transition: transitionInput }],
      );
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
    const together = patched(POSTING_WITH_TRANSITION);
    if (!together) {
      try {
        await confirmDepositPosting.executeWithOptions({ summary: `deposit.confirm ${money(received)}` }, [
          posting(),
        ]);
      } catch (error) {
        receivedAmount = receivedAt = confirmedAt = null; // nothing was booked: still PENDING
        throw error;
      }
    }
    const screenInput = {
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
    };
    const screeningSummary = { summary: `AML screening of ${money(received)}` };
    screening = patched(SCREENING_ONCE)
      ? await local.screenDepositOnce.executeWithOptions(screeningSummary, [
          { ...screenInput, attempt: ++screenings },
        ])
      : await screenDeposit.executeWithOptions(screeningSummary, [screenInput]);
    if (!together) return recordConfirmation(args, received, screening, undefined);
    try {
      await recordConfirmation(args, received, screening, withPosting('confirm'));
    } catch (error) {
      // The posting was refused with its transition: nothing was booked or recorded, still PENDING.
      receivedAmount = receivedAt = confirmedAt = holdUntil = null;
      screening = null;
      throw error;
    }
  }

  /** The confirmation's transition: under review, or on hold until the screening's hold ends. */
  async function recordConfirmation(
    args: ConfirmDepositArgs,
    received: string,
    screened: DepositScreening,
    record: RecordVia | undefined,
  ): Promise<void> {
    const holdMs = holdDurationMs(screened.decision, policy);
    const closeTasks: CloseTask[] = [
      { kind: DEPOSIT_TASKS.confirmReceipt, outcome: 'confirmed', completedBy: args.actor.id },
    ];
    const data = {
      receivedAmount: received,
      receivedAt,
      note: args.note?.trim() || null,
      screening: screened,
    };
    if (holdMs === null) {
      await transition('confirm_flagged', args.actor, {
        reason: `Received ${money(received)}; under compliance review`,
        data,
        closeTasks,
        record,
        openTasks: [
          amlReviewTask(
            new Date(Date.now() + policy.amlReviewDueMs).toISOString(),
            `Review flagged deposit of ${money(received)} (score ${screened.score})`,
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
      record,
      // The hold end comes from this workflow task's time: a task re-run after a worker died past the
      // commit computes another one, and the one recorded (row, task, reason) is the one that holds.
      adoptStored: (stored) => {
        if (typeof stored.data.holdUntil === 'string') holdUntil = stored.data.holdUntil;
      },
      // A long hold means risk indicators: an officer should look before it clears by itself.
      openTasks:
        screened.decision === 'long_hold'
          ? [amlReviewTask(holdUntil, `Look at long hold of ${money(received)} (score ${screened.score})`, 0)]
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

  /** The posting of `step` as an activity of its own (older histories), or undefined: with the transition. */
  async function postApart(step: DepositPostingStep): Promise<RecordVia | undefined> {
    if (patched(POSTING_WITH_TRANSITION)) return withPosting(step);
    const activity = {
      clear: clearDepositPosting,
      return: returnDepositPosting,
      confirm: confirmDepositPosting,
    }[step];
    await activity.executeWithOptions({ summary: `deposit.${step} ${money(receivedAmount!)}` }, [posting()]);
    return undefined;
  }

  async function release(args: ReleaseDepositArgs): Promise<void> {
    const record = await postApart('clear');
    await transition('release', args.actor, {
      reason: args.note.trim(),
      closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'released', completedBy: args.actor.id }],
      record,
    });
  }

  async function holdElapsed(): Promise<void> {
    const record = await postApart('clear');
    await transition('hold_elapsed', null, {
      reason: 'Hold period ended',
      closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'hold_elapsed', status: 'cancelled' }],
      record,
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
    const record = await postApart('return');
    const previousHold = holdUntil;
    holdUntil = null;
    try {
      await transition('reject', args.actor, {
        reason: args.reason.trim(),
        closeTasks: [{ kind: DEPOSIT_TASKS.amlReview, outcome: 'rejected', completedBy: args.actor.id }],
        record,
      });
    } catch (error) {
      holdUntil = previousHold; // refused with its posting: still held
      throw error;
    }
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
  lifecycle.answerStarted(depositStartedUpdate, snapshot);

  commands.handle(
    confirmDepositUpdate,
    (args) => checkConfirm(view(), args, Date.now()),
    (args) => ({
      action: 'confirm',
      args,
    }),
  );
  commands.handle(
    cancelDepositUpdate,
    (args) => checkCancel(view(), args),
    (args) => ({ action: 'cancel', args }),
  );
  commands.handle(
    releaseDepositUpdate,
    (args) => checkRelease(view(), args),
    (args) => ({
      action: 'release',
      args,
    }),
  );
  commands.handle(
    extendDepositUpdate,
    (args) => checkExtend(view(), args, Date.now(), policy),
    (args) => ({
      action: 'extend',
      args,
    }),
  );
  commands.handle(
    rejectDepositUpdate,
    (args) => checkReject(view(), args),
    (args) => ({ action: 'reject', args }),
  );

  // --- Main loop ------------------------------------------------------------------------------

  /** When the current status ends by itself, or null if only a person can end it. */
  function deadline(): Deadline | null {
    if (lifecycle.status === 'PENDING') {
      const atMs = createdAtMs + policy.announcementWindowMs;
      return { atMs, summary: `Announcement window ends ${new Date(atMs).toISOString()}` };
    }
    if (lifecycle.status === 'ON_HOLD' && holdUntil)
      return { atMs: Date.parse(holdUntil), summary: `AML hold until ${holdUntil}` };
    return null;
  }

  async function elapsed(): Promise<void> {
    if (lifecycle.status === 'PENDING') return expire();
    if (lifecycle.status === 'ON_HOLD') return holdElapsed();
  }

  await announce();
  await commands.loop({ done: () => lifecycle.terminal, deadline, run, elapsed });

  await condition(allHandlersFinished);
  // Added after deposits were already running: histories recorded before this change close without
  // the archiver, so the step is behind a patch (README "Changing workflow code").
  if (patched('archive-history')) await archiveHistoryOnClose();
  return snapshot();
}
