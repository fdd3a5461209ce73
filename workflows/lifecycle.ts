// The plumbing every lifecycle workflow shares (deposit, withdrawal, KYC review, bank account, ...).
// Workflow code only: deterministic, no I/O. A lifecycle workflow is written as
//
//   const lifecycle = new LifecycleRecorder({ type, businessId, ownerId, table, initial, ... });
//   const commands = new CommandSlot<Command, State>({ noun: 'deposit', status: () => lifecycle.status, answer: snapshot });
//   commands.handle(confirmUpdate, (args) => checkConfirm(view(), args), (args) => ({ action: 'confirm', args }));
//   await lifecycle.transition(null, requestedBy, { reason: 'announced', openTasks: [...] });
//   await commands.loop({ done: () => lifecycle.terminal, deadline, run, elapsed });
//   await condition(allHandlersFinished);
//
// - Refusals: a domain Refusal (domain/lifecycle.ts, or a lifecycle's own business refusal such as
//   self_approval) becomes a non-retryable ApplicationFailure whose `type` is the refusal code; the
//   API maps invalid_state → 409, forbidden → 403, validation_failed → 400, anything else → 422.
// - Human actions are Updates whose validator runs the domain check. One command is applied at a
//   time: an Update that arrives while another change is in progress waits its turn (bounded:
//   COMMANDS_WAITING_MAX, then `busy`) and is checked again when its turn comes.
// - An accepted Update hands its command to the main loop (`loop`) and waits for it; the main loop
//   is the only place that changes status, so timers and people never race.
// - Every transition goes through `LifecycleRecorder.transition`: next status from the table, a
//   timeline entry at workflow time, one recordTransition activity (read model, tasks, NOTIFY).
// - A transition's local activity commits before its workflow task completes, so a lost task (an
//   admitted Update forgotten by a Temporal restart) can leave an Update's transition at a seq the
//   run never applied. The run's next transition at that seq finds it (with the Update's command,
//   kept on the event) and the slot adopts it: applies that command first, then looks again at what
//   it was doing (command-slot.ts applyCommand). Events from before commands were kept are refused
//   with transition_conflict as before.
//
// History shape matters: existing histories replay against this code, so the order of activity
// calls and timers here is part of the contract. Change it only behind patched() in the caller.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type {
  CloseTask,
  LifecycleActivities,
  OpenTask,
  RecordTransitionInput,
  RecordTransitionResult,
  StoredTransition,
} from '../activities/lifecycle.js';
import { UNSTORABLE_DATA, storableCopy } from '../domain/text.js';
import { noteClosingTransitionRecorded } from './archive.js';
import { applyingCommand, applyingUpdate, supersededBy } from './command-slot.js';
import { refusalFailure } from './refusals.js';
import {
  isTerminal,
  nextStatus,
  timelineEntry,
  type Actor,
  type TimelineEntry,
  type TransitionTable,
} from '../domain/lifecycle.js';

export type { CloseTask, OpenTask } from '../activities/lifecycle.js';
export { guard, refusalFailure, type RefusalLike } from './refusals.js';
export {
  COMMANDS_WAITING_MAX,
  CommandSlot,
  asWorkflowStep,
  type CommandSlotOptions,
  type Deadline,
} from './command-slot.js';

// ---------------------------------------------------------------------------------------------
// Activities every lifecycle runs. Postings and the read model must eventually happen, so they
// retry without limit (a stuck one shows in the Temporal UI and resumes after a fix); business
// refusals are non-retryable ApplicationFailures raised by the activity itself.

// Sized for outages measured in seconds: a retry is never more than 10 s away, and an attempt that
// died with its worker is given up after 5 s (these activities are a few queries each; a slow one
// that times out is simply run again, as every one of them is idempotent).
export const LIFECYCLE_RETRY: ActivityOptions['retry'] = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
};

export const LIFECYCLE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 seconds',
  retry: LIFECYCLE_RETRY,
};

const lifecycleActivities = proxyActivities<LifecycleActivities>(LIFECYCLE_ACTIVITY_OPTIONS);

/**
 * The same activities run locally, inside the workflow task: a transition is a few writes to our
 * own database, so it needs no activity task of its own (three history events, a second workflow
 * task and two round trips to the server each). Retries within 2 s happen inside the workflow task
 * (which the worker keeps alive meanwhile); longer backoffs become a server timer, so an outage
 * never pins a workflow task. Every local activity must be idempotent even when re-run by a
 * retried workflow task (a worker died after its commit): see recordTransitionIn.
 */
export const LIFECYCLE_LOCAL_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '5 seconds',
  retry: LIFECYCLE_RETRY,
  localRetryThreshold: '2 seconds',
};

const localLifecycleActivities = proxyLocalActivities<LifecycleActivities>(LIFECYCLE_LOCAL_ACTIVITY_OPTIONS);

/**
 * Histories recorded before transitions became local activities (and every transition of a run
 * still replaying them) keep the activity task; new ones run locally.
 */
export const LOCAL_TRANSITIONS_PATCH = 'local-transitions';

// ---------------------------------------------------------------------------------------------
// Transitions

/** A local activity fails with the activity's own failure; an activity task wraps it in ActivityFailure. */
function activityCause(error: unknown): unknown {
  return error instanceof ActivityFailure ? error.cause : error;
}

function unstorableMessage(error: unknown): string {
  const cause = activityCause(error);
  return cause instanceof Error ? cause.message : String(error);
}

/** activities/unstorable.ts: the activity's input can never be stored, so it was not retried. */
function isUnstorableFailure(error: unknown): boolean {
  const cause = activityCause(error);
  return cause instanceof ApplicationFailure && cause.type === UNSTORABLE_DATA;
}

/** What a transition does besides changing status: the reason shown, facts kept, tasks. */
export interface TransitionEffects {
  reason: string | null;
  /** Kept on the event only (staff-only facts: notes, screening, approvals). */
  data?: Record<string, unknown>;
  openTasks?: OpenTask[];
  closeTasks?: CloseTask[];
  /**
   * Records the transition instead of recordTransition, with a side effect in the same transaction
   * (a deposit's posting: activities/deposit.ts recordDepositTransition). Must be as idempotent as
   * recordTransition, per (workflow, seq).
   */
  record?: RecordVia;
  /**
   * Called when an earlier attempt had recorded this transition with other values (a workflow task
   * re-run after a worker died after the commit computes them again at a later workflow time): the
   * transition as stored, so the workflow can take back what it derived from its time (a deposit's
   * hold end). The timeline entry takes the stored time and reason by itself.
   */
  adoptStored?: (stored: StoredTransition) => void;
}

/** An activity call that records a transition (with `summary` for the Temporal UI). */
export type RecordVia = (input: RecordTransitionInput, summary: string) => Promise<RecordTransitionResult>;

export interface LifecycleRecorderOptions<Status extends string, Action extends string> {
  /** Lifecycle type as the read model stores it ('deposit', 'withdrawal', ...). */
  type: string;
  businessId: string;
  /** The client the lifecycle belongs to, if any. */
  ownerId: string | null;
  table: TransitionTable<Status, Action>;
  /** The status before the first transition, and the target of the first one. */
  initial: Status;
  /** The action recorded for the first transition ('announce', 'request', ...). */
  startAction: string;
  /** The lifecycle row's attributes, read after the status changed (top-level keys replace). */
  attributes: () => Record<string, unknown>;
  /** The Temporal UI's "current details" after a transition; default: status and reason. */
  details?: (entry: TimelineEntry<Status>) => string;
}

/**
 * Status, timeline and the one place they change. `transition(null, ...)` records the lifecycle
 * coming into being in `initial`; `transition(action, ...)` moves along the table.
 */
export class LifecycleRecorder<Status extends string, Action extends string> {
  status: Status;
  readonly timeline: TimelineEntry<Status>[] = [];
  closedAt: string | null = null;
  readonly workflowId: string;
  /** Transitions the read model has been told of (recordTransition completed). */
  recorded = 0;

  constructor(private readonly options: LifecycleRecorderOptions<Status, Action>) {
    this.status = options.initial;
    this.workflowId = workflowInfo().workflowId;
  }

  /** The current status has no outgoing action: the lifecycle is over. */
  get terminal(): boolean {
    return isTerminal(this.options.table, this.status);
  }

  /** Where `action` would lead from the current status (throws the invalid_state refusal otherwise). */
  target(action: Action): Status {
    const next = nextStatus(this.options.table, this.status, action);
    if (!next.ok) throw refusalFailure(next.refusal); // validators make this unreachable
    return next.to;
  }

  /**
   * The Update the API starts the workflow with (update-with-start, api/lifecycle-kit): it answers
   * `answer()` once the first transition is in the read model, so a 201 is readable at once. Adding
   * a handler adds nothing to histories that never received it, so older runs replay unchanged.
   */
  answerStarted<State>(update: UpdateDefinition<State, []>, answer: () => State): void {
    setHandler(update, async () => {
      await condition(() => this.recorded > 0);
      return answer();
    });
  }

  /** Moves to the status `action` leads to (or into `initial` for null) and records it. */
  async transition(
    action: Action | null,
    actor: Actor | null,
    effects: TransitionEffects,
  ): Promise<TimelineEntry<Status>> {
    const { options } = this;
    const to: Status = action === null ? options.initial : this.target(action);
    const entry = timelineEntry<Status>(
      Date.now(),
      action === null ? null : this.status,
      to,
      actor,
      effects.reason,
    );
    const from = this.status;
    const closedBefore = this.closedAt;
    this.status = to;
    this.timeline.push(entry);
    const closed = isTerminal(options.table, to);
    if (closed) this.closedAt = entry.at;
    setCurrentDetails(options.details ? options.details(entry) : `**${to}** — ${effects.reason ?? ''}`);
    const input: RecordTransitionInput = {
      workflowId: this.workflowId,
      type: options.type,
      businessId: options.businessId,
      ownerId: options.ownerId,
      seq: this.timeline.length,
      action: action ?? options.startAction,
      entry,
      attributes: options.attributes(),
      data: effects.data,
      openTasks: effects.openTasks,
      closeTasks: effects.closeTasks,
      closed,
      updateId: applyingUpdate(),
      command: applyingCommand(),
    };
    let result: RecordTransitionResult | undefined;
    try {
      result = await this.record(input, `${entry.from ?? 'start'} → ${to}`, effects.record);
      // A lost workflow task's Update holds this seq: the slot applies that one first.
      if (result?.superseded) throw supersededBy(result.superseded, to);
    } catch (error) {
      // Refused (a posting recorded with it said no, or another transition holds this seq), or
      // superseded: nothing was recorded, so the lifecycle stays where it was.
      this.timeline.pop();
      this.status = from;
      this.closedAt = closedBefore;
      throw error;
    }
    this.adoptStored(result, effects);
    this.recorded++;
    // That transaction also recorded the archive debt (workflows/archive.ts).
    if (closed) noteClosingTransitionRecorded();
    return this.timeline[this.timeline.length - 1]!;
  }

  /**
   * Records the transition (`via`, default recordTransition). Text PostgreSQL cannot store is a bug
   * upstream (the edge refuses such text): never jam the lifecycle on it. The transition is recorded
   * with the text made storable, the timeline the same, and an alert raised.
   */
  private async record(
    input: RecordTransitionInput,
    summary: string,
    via: RecordVia = recordTransitionVia(),
  ): Promise<RecordTransitionResult | undefined> {
    try {
      return await via(input, summary);
    } catch (error) {
      if (!isUnstorableFailure(error)) throw error;
      const storable = storableCopy(input);
      this.timeline[this.timeline.length - 1] = storable.value.entry as TimelineEntry<Status>;
      return via(
        { ...storable.value, alert: { changed: storable.changed, error: unstorableMessage(error) } },
        `${summary} (text replaced)`,
      );
    }
  }

  /**
   * A re-run local activity found the transition recorded earlier: the timeline keeps that time and
   * reason, and the workflow what it derived from that time (TransitionEffects.adoptStored), so the
   * workflow's state equals the read model's.
   */
  private adoptStored(result: RecordTransitionResult | undefined, effects: TransitionEffects): void {
    const at = result?.storedAt;
    if (!at) return;
    const last = this.timeline.length - 1;
    const stored = result.stored;
    this.timeline[last] = { ...this.timeline[last]!, at, ...(stored ? { reason: stored.reason } : {}) };
    if (this.closedAt !== null) this.closedAt = at;
    if (stored) effects.adoptStored?.(stored);
  }
}

/** recordTransition as a local activity, or as the activity task of histories from before. */
function recordTransitionVia(): RecordVia {
  if (patched(LOCAL_TRANSITIONS_PATCH))
    return (input, summary) =>
      localLifecycleActivities.recordTransition.executeWithOptions({ summary }, [input]);
  return (input, summary) => lifecycleActivities.recordTransition.executeWithOptions({ summary }, [input]);
}
