// Commands: accepted Updates, applied one at a time by the main loop (see workflows/lifecycle.ts,
// which re-exports this module). Workflow code only: deterministic, no I/O.
import {
  ApplicationFailure,
  TemporalFailure,
  condition,
  currentUpdateInfo,
  setHandler,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { guard, type RefusalLike } from './refusals.js';

interface Submitted<Command> {
  command: Command;
  /** The Update that carried it; recorded with its transitions (see applyingUpdateId). */
  updateId: string | null;
  done: boolean;
  error?: ApplicationFailure;
}

/**
 * The Update whose command the main loop is applying (null for the workflow's own steps). Every
 * transition it makes is recorded with it, so the API can tell that a retried request was applied
 * already, even after the lifecycle ended or continued as new. Module state is per workflow run.
 */
let applyingUpdateId: string | null = null;

/** The Update whose command is being applied now (null for the workflow's own steps). */
export function applyingUpdate(): string | null {
  return applyingUpdateId;
}

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
  async submit(command: Command, updateId: string | null = currentUpdateInfo()?.id ?? null): Promise<State> {
    const entry: Submitted<Command> = { command, updateId, done: false };
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
        return this.submit(command(args), updateId);
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
    applyingUpdateId = entry.updateId;
    try {
      await run(entry.command);
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
      applyingUpdateId = null;
      entry.done = true;
      this.submitted = undefined;
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
        await this.system(steps.elapsed);
      }
    }
  }
}
