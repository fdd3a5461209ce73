// Commands: accepted Updates, applied one at a time by the main loop (see workflows/lifecycle.ts,
// which re-exports this module). Workflow code only: deterministic, no I/O.
import {
  ApplicationFailure,
  TemporalFailure,
  condition,
  currentUpdateInfo,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { SupersedingTransition } from '../activities/lifecycle.js';
import { guard, type RefusalLike } from './refusals.js';

interface Submitted<Command> {
  command: Command;
  /** The Update that carried it; recorded with its transitions (see applyingUpdate). */
  updateId: string | null;
  /** The Update's check, run again after a recorded transition was adopted before it. */
  recheck: () => RefusalLike | null;
  done: boolean;
  error?: ApplicationFailure;
}

/**
 * The Update whose command the main loop is applying, and that command (null for the workflow's own
 * steps). Every transition it makes is recorded with both: the Update id lets the API tell that a
 * retried request was applied already (even after the lifecycle ended or continued as new); the
 * command lets a run that never applied the transition apply it (TransitionSuperseded). Module
 * state is per workflow run.
 */
let applying: { updateId: string | null; command: unknown } | null = null;

/** A step of the slot that adopts a superseded transition is running (see supersededBy). */
let adoptable = false;

/** The Update whose command is being applied now (null for the workflow's own steps). */
export function applyingUpdate(): string | null {
  return applying?.updateId ?? null;
}

/**
 * Runs `step` as the workflow's own inside a command: the transitions it records carry no Update.
 * For what others caused and the command only learned of (the fills a venue reports in a cancel's
 * answer, made by other orders): tagged with the command's Update, a retried request whose command
 * was refused after them would read as applied (api/lifecycle-kit/acting.ts appliedBefore).
 */
export async function asWorkflowStep<T>(step: () => Promise<T>): Promise<T> {
  const outer = applying;
  applying = null;
  try {
    return await step();
  } finally {
    applying = outer;
  }
}

/** The command being applied now, with its Update (undefined for the workflow's own steps). */
export function applyingCommand(): unknown {
  return applying?.updateId ? applying.command : undefined;
}

/**
 * A transition's seq was recorded by another Update whose workflow task never completed (activities/
 * lifecycle.ts `superseded`). Thrown by the recorder, caught by the slot, which applies that Update's
 * command first. Not a TemporalFailure: a step that lets it through has changed nothing.
 */
class TransitionSuperseded extends Error {
  constructor(readonly by: SupersedingTransition) {
    super(`transition ${by.seq} was recorded as ${by.to} by ${by.updateId}`);
    this.name = 'TransitionSuperseded';
  }
}

/**
 * The refusal of a transition whose seq another one holds, as the activity refuses one beside an
 * event that kept no command. `attempted` is the status tried, null when adopting was given up.
 */
function transitionConflict(by: SupersedingTransition, attempted: string | null): ApplicationFailure {
  const tried = attempted === null ? `; ${by.updateId} was not adopted again` : `, not ${attempted}`;
  return ApplicationFailure.create({
    type: 'transition_conflict',
    message: `transition ${by.seq} of ${workflowInfo().workflowId} was recorded as ${by.to}${tried}`,
    nonRetryable: true,
    details: [{ seq: by.seq, recorded: by.to, attempted }],
  });
}

/**
 * What the recorder throws when its transition was superseded: TransitionSuperseded inside a step
 * that adopts, else (a step outside the slot, or the adopted command itself) the refusal of before.
 */
export function supersededBy(by: SupersedingTransition, attempted: string): Error {
  return adoptable ? new TransitionSuperseded(by) : transitionConflict(by, attempted);
}

/** Histories that never adopted a superseded transition have no marker of this. */
const ADOPT_RECORDED_TRANSITION_PATCH = 'adopt-recorded-transition';

/**
 * Adoptions before one command gives up with transition_conflict. A lost workflow task holds at most
 * the Updates Temporal lets in flight at once (10 per execution), each adopted once.
 */
const ADOPTIONS_PER_COMMAND_MAX = 10;

/** When the current status ends by itself (a timer), for `loop`. */
export interface Deadline {
  /** Workflow time in ms; at or before now means "do it at once". */
  atMs: number;
  /** Shown on the timer in the Temporal UI. */
  summary: string;
}

export interface CommandSlotOptions<State> {
  /** What the lifecycle is called in refusals ("another change to this deposit is in progress"). */
  noun: string;
  /** The current status, for the refusal's details. */
  status: () => string;
  /** What an applied Update answers (the Query snapshot). */
  answer: () => State;
}

/**
 * At most this many Updates wait for the slot at once (besides the one being applied). Temporal
 * itself allows 10 Updates in flight per execution; past this bound an Update is refused as busy.
 */
export const COMMANDS_WAITING_MAX = 4;

export class CommandSlot<Command, State> {
  /** The accepted Update the main loop has not finished yet. */
  private submitted: Submitted<Command> | undefined;
  /** The main loop is making a change of its own (a timer ran out, a payout). */
  private busy = false;
  /** Accepted Updates waiting for the slot, first come first served (tickets in arrival order). */
  private readonly waiting: number[] = [];
  private nextTicket = 0;
  /** Seqs whose recorded transition this run adopted (at most once each). */
  private readonly adopted = new Set<number>();

  constructor(private readonly options: CommandSlotOptions<State>) {}

  /** An accepted Update is waiting for the main loop. */
  get pending(): boolean {
    return this.submitted !== undefined;
  }

  /** Nothing is being changed and nobody is ahead in the queue: the next Update may go. */
  private get free(): boolean {
    return this.submitted === undefined && !this.busy;
  }

  /**
   * Refuses only when the queue is full: a transient condition (`busy`), which the API answers as
   * 409 busy with Retry-After. A change in progress is otherwise waited for, not refused.
   */
  queueFull(): RefusalLike | null {
    return this.waiting.length >= COMMANDS_WAITING_MAX
      ? {
          code: 'busy',
          message: `too many changes to this ${this.options.noun} at once; try again shortly`,
          details: { status: this.options.status() },
        }
      : null;
  }

  /** Hands `command` to the main loop and answers once it was applied (or throws its failure). */
  async submit(
    command: Command,
    updateId: string | null = currentUpdateInfo()?.id ?? null,
    recheck: () => RefusalLike | null = () => null,
  ): Promise<State> {
    const entry: Submitted<Command> = { command, updateId, recheck, done: false };
    this.submitted = entry;
    await condition(() => entry.done);
    if (entry.error) throw entry.error;
    return this.options.answer();
  }

  /**
   * Registers a human action. The validator runs `check` against the current state (a refusal
   * leaves no trace in history). While another change is in progress the Update waits its turn;
   * once the slot is free `check` runs again, because the change before it may have moved the
   * lifecycle on (then the Update fails with that refusal, e.g. invalid_state).
   */
  handle<Args>(
    update: UpdateDefinition<State, [Args]>,
    check: (args: Args) => RefusalLike | null,
    command: (args: Args) => Command,
  ): void {
    setHandler(
      update,
      async (args) => {
        const updateId = currentUpdateInfo()?.id ?? null;
        if (!this.free || this.waiting.length > 0) {
          const ticket = this.nextTicket++;
          this.waiting.push(ticket);
          try {
            await condition(() => this.free && this.waiting[0] === ticket);
          } finally {
            this.waiting.splice(this.waiting.indexOf(ticket), 1);
          }
          guard(check(args));
        }
        return this.submit(command(args), updateId, () => check(args));
      },
      // While a change is in progress the state it is moving to is not known yet: the check then waits
      // for its turn in the handler. Checking now would refuse an action that the change makes valid —
      // after a worker crash the projection (committed by a local activity) can be ahead of the
      // replayed state, and staff act on what the projection shows (chaos: approve KYC, 409 after 503).
      {
        validator: (args) =>
          guard((this.free && this.waiting.length === 0 ? check(args) : null) ?? this.queueFull()),
      },
    );
  }

  /** Waits for an Update, or until `deadline` (null: only a person can move the lifecycle on). */
  async waitFor(deadline: Deadline | null): Promise<void> {
    if (deadline === null) {
      await condition(() => this.submitted !== undefined);
    } else {
      const remaining = deadline.atMs - Date.now();
      if (remaining > 0)
        await condition(() => this.submitted !== undefined, remaining, { summary: deadline.summary });
    }
  }

  /**
   * Runs the waiting command. A failed activity or a refusal goes back to the person who asked;
   * the lifecycle stays as it was. Anything else is a bug: fail the workflow task so it is retried
   * after a fix.
   */
  async applySubmitted(run: (command: Command) => Promise<void>): Promise<void> {
    const entry = this.submitted;
    if (!entry) return;
    try {
      await this.applyCommand(entry, run);
    } catch (error) {
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
      this.submitted = undefined;
    }
  }

  /**
   * Applies an Update's command. When a lost workflow task recorded another Update's transition at
   * the seq it reaches, that Update is adopted first; then this one is checked again against the
   * state it left (a cancel after an adopted confirmation is refused) and, still valid, applied.
   */
  private async applyCommand(entry: Submitted<Command>, run: (command: Command) => Promise<void>) {
    for (let adoptions = 0; ; adoptions++) {
      const superseded = await this.adopting(entry, () => run(entry.command));
      if (!superseded) return;
      if (adoptions >= ADOPTIONS_PER_COMMAND_MAX) throw transitionConflict(superseded, null);
      await this.adopt(superseded, run);
      guard(entry.recheck());
    }
  }

  /** Runs `step` for `applied` (null: the workflow's own step); a superseded transition comes back. */
  private async adopting(
    applied: Pick<Submitted<Command>, 'command' | 'updateId'> | null,
    step: () => Promise<void>,
  ): Promise<SupersedingTransition | null> {
    applying = applied && { updateId: applied.updateId, command: applied.command };
    adoptable = true;
    try {
      await step();
      return null;
    } catch (error) {
      if (error instanceof TransitionSuperseded) return error.by;
      throw error;
    } finally {
      applying = null;
      adoptable = false;
    }
  }

  /**
   * Applies the command recorded with `by` through the lifecycle's own `run`, under its Update id:
   * its transition at that seq is the one recorded (answered recorded: false, its postings keyed as
   * the first time), so the run's state becomes the read model's. Once per seq: a command whose run
   * leads elsewhere than recorded is refused by the recording itself (transition_conflict).
   */
  private async adopt(by: SupersedingTransition, run: (command: Command) => Promise<void>): Promise<void> {
    if (this.adopted.has(by.seq) || !patched(ADOPT_RECORDED_TRANSITION_PATCH))
      throw transitionConflict(by, null);
    this.adopted.add(by.seq);
    applying = { updateId: by.updateId, command: by.command };
    try {
      await run(by.command as Command);
    } finally {
      applying = null;
    }
  }

  /** A change the workflow makes by itself; Updates wait meanwhile. */
  async system(step: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await step();
    } finally {
      this.busy = false;
    }
  }

  /**
   * The main loop: until `done()`, wait for an Update or the current deadline; apply the Update,
   * or run `elapsed` (as a system step) when the deadline came first. An Update accepted in the
   * same instant as the deadline still wins: it was validated against the current status and is
   * already waiting for its answer.
   */
  async loop(steps: {
    done: () => boolean;
    deadline: () => Deadline | null;
    run: (command: Command) => Promise<void>;
    elapsed: () => Promise<void>;
  }): Promise<void> {
    while (!steps.done()) {
      await this.waitFor(steps.deadline());
      if (this.submitted) {
        await this.applySubmitted(steps.run);
      } else {
        // A superseded timer step adopts the recorded Update; the next round looks at the new state.
        await this.system(async () => {
          const superseded = await this.adopting(null, steps.elapsed);
          if (superseded) await this.adopt(superseded, steps.run);
        });
      }
    }
  }
}
