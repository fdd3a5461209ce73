// What the workflows of a held outgoing transfer share (withdrawals of cash, certificate transfers):
// the request that reserves first and may be declined before it exists, the `request` Update that
// answers once that is decided, approvals under four eyes, and the endings that release the hold
// (reject, cancel, a definitive refusal of the payout or delivery).
//
// Helpers only: none starts an activity, a timer or an Update of its own. Each runs exactly the
// commands its callers ran inline before, in the same order and with the same arguments, so the
// golden histories of both workflows replay unchanged.
import type { UpdateDefinition } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { approvalAction, type Approval } from '../domain/four-eyes.js';
import type { Actor } from '../domain/lifecycle.js';
import { refusalFailure, type CloseTask, type TransitionEffects } from './lifecycle.js';

/** Why a request was declined before it became a transfer (the request Update's refusal). */
export interface Declined {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * Runs an activity call; its definitive refusal (a non-retryable ApplicationFailure raised by the
 * activity) comes back as a value, anything else (retries exhausted, a cancellation) is thrown.
 */
export async function orRefusal<T>(
  attempt: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; cause: ApplicationFailure }> {
  try {
    return { ok: true, value: await attempt() };
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : null;
    if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) throw error;
    return { ok: false, cause };
  }
}

/**
 * The request before it exists: REQUESTED until the reservation is decided, then DECLINED (nothing
 * recorded) or accepted (the lifecycle's own status from then on).
 */
export class HeldRequest {
  private phase: 'REQUESTED' | 'DECLINED' | null = 'REQUESTED';
  declined: Declined | null = null;

  /** The phase while there is one, else the lifecycle's `status`. */
  status<Status extends string>(status: Status): Status | 'REQUESTED' | 'DECLINED' {
    return this.phase ?? status;
  }

  /** Past the request: neither waiting for the reservation nor declined. */
  get accepted(): boolean {
    return this.phase === null;
  }

  /**
   * The `request` Update (sent with the start): answers with `snapshot()` once the reservation is
   * decided, or refuses with the decline. Changes nothing.
   */
  answer<State>(update: UpdateDefinition<State, []>, snapshot: () => State): void {
    setHandler(update, async () => {
      await condition(() => this.phase !== 'REQUESTED');
      if (this.declined) throw refusalFailure(this.declined);
      return snapshot();
    });
  }

  /** Runs the reservation; its definitive refusal declines the request (null). */
  async reserve<T>(attempt: () => Promise<T>): Promise<T | null> {
    const result = await orRefusal(attempt);
    if (result.ok) return result.value;
    const { cause } = result;
    this.declined = {
      code: cause.type || 'declined',
      message: cause.message,
      details: Array.isArray(cause.details) && cause.details.length > 0 ? cause.details[0] : undefined,
    };
    this.phase = 'DECLINED';
    return null;
  }

  /** The first transition is recorded: the lifecycle's status speaks from now on. */
  accept(): void {
    this.phase = null;
  }

  /** The decline as the state shows it (its details stay with the Update's refusal). */
  shownDecline(): { code: string; message: string } | null {
    return this.declined && { code: this.declined.code, message: this.declined.message };
  }
}

/** An approval as it is recorded, and what its transition says. */
export interface ApprovalStep {
  /** `approve` when it is the last one needed, else `approve_first`. */
  action: 'approve' | 'approve_first';
  note: string | null;
  reason: string;
  data: { note: string | null; approvals: number; approvalsRequired: number };
  closeTasks: CloseTask[];
}

const withNote = (note: string | null) => (note ? ` — ${note}` : '');

/**
 * Adds `actor`'s approval to `approvals` and words its transition: the first of two waits for a
 * second approver; the last one says what happens next (`next`: "paying out", "delivering").
 */
export function takeApproval(
  approvals: Approval[],
  required: number,
  args: { actor: Actor; note?: string | null },
  task: { kind: string; next: string },
): ApprovalStep {
  const action = approvalAction({ approvals, approvalsRequired: required === 2 ? 2 : 1 });
  const note = args.note?.trim() || null;
  approvals.push({
    actor: { id: args.actor.id, role: args.actor.role },
    at: new Date(Date.now()).toISOString(),
    note,
  });
  const data = { note, approvals: approvals.length, approvalsRequired: required };
  if (action === 'approve_first') {
    return {
      action,
      note,
      reason: `Approved (1 of ${required}); a second, different approver is needed${withNote(note)}`,
      data,
      closeTasks: [{ kind: task.kind, outcome: 'first_approval', completedBy: args.actor.id }],
    };
  }
  const count = required === 2 ? ` (${approvals.length} of ${required})` : '';
  return {
    action,
    note,
    reason: `Approved${count}; ${task.next}${withNote(note)}`,
    data,
    closeTasks: [{ kind: task.kind, outcome: 'approved', completedBy: args.actor.id }],
  };
}

export interface HeldEndingsOptions {
  /** Voids the hold (nothing where none was placed). */
  release(reason: string): Promise<void>;
  /** The lifecycle's transition for the endings recorded here. */
  transition(
    action: 'reject' | 'cancel' | 'fail',
    actor: Actor | null,
    effects: TransitionEffects,
  ): Promise<unknown>;
  /** The task that waits for people (closed by a rejection or cancellation). */
  taskKind(): string;
  /** Keeps why it ended (the state's failureReason). */
  failed(reason: string): void;
}

/** The endings that release the hold: rejected, cancelled, refused by the bank or registry. */
export function heldEndings(options: HeldEndingsOptions) {
  const { release, transition, taskKind, failed } = options;
  return {
    async reject(args: { actor: Actor; reason: string }): Promise<void> {
      const reason = args.reason.trim();
      await release(`rejected: ${reason}`);
      failed(reason);
      await transition('reject', args.actor, {
        reason,
        closeTasks: [{ kind: taskKind(), outcome: 'rejected', completedBy: args.actor.id }],
      });
    },

    async cancel(args: { actor: Actor }): Promise<void> {
      await release('cancelled by the client');
      await transition('cancel', args.actor, {
        reason: 'Cancelled by the client',
        closeTasks: [{ kind: taskKind(), outcome: 'cancelled', status: 'cancelled' }],
      });
    },

    /**
     * The payout or delivery was refused for good (`step`: "payout", "delivery"): the hold is
     * released and FAILED recorded with `reason` and `data` (the refusal's code first).
     */
    async refused(
      cause: ApplicationFailure,
      step: string,
      reason: string,
      data: Record<string, unknown>,
    ): Promise<void> {
      failed(cause.message);
      await release(`${step} failed: ${cause.type ?? 'refused'}`);
      await transition('fail', null, { reason, data: { code: cause.type, ...data } });
    },
  };
}
