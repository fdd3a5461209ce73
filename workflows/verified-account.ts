// What the verification workflows of a client's external accounts share (bank accounts, registry
// accounts): the registration with its task for operations, the tasks a decision closes, and the
// main loop that only people move on (no deadlines), ending with the history archived.
//
// Helpers only: each runs exactly the commands its callers ran inline before, in the same order and
// with the same arguments, so the golden histories of both workflows replay unchanged.
import { allHandlersFinished, condition } from '@temporalio/workflow';
import type { Actor } from '../domain/lifecycle.js';
import { archiveHistoryOnClose } from './archive.js';
import type { CloseTask, CommandSlot, LifecycleRecorder, TransitionEffects } from './lifecycle.js';
import { operationsTask } from './operations-task.js';

export interface Registration {
  /** The verification task's kind ("bank_account.verify"). */
  taskKind: string;
  type: string;
  id: string;
  createdAtMs: number;
  verifyDueMs: number;
  /** "Bank account", "Registry account": how its sentences start. */
  noun: string;
  /** How people recognise the account ("DE89 **** … (Commerzbank)"). */
  label: string;
  /** The holder's name as the client gave it. */
  holder: string;
}

/** The first transition's effects: registered, with a task for operations to verify it. */
export function registered(account: Registration): TransitionEffects {
  const { taskKind, type, id, createdAtMs, verifyDueMs, noun, label, holder } = account;
  return {
    reason: `${noun} ${label} registered`,
    openTasks: [
      operationsTask({
        kind: taskKind,
        subjectType: type,
        subjectId: id,
        dueAt: new Date(createdAtMs + verifyDueMs).toISOString(),
        summary: `Verify ${noun.toLowerCase()} ${label}, holder ${holder}`,
      }),
    ],
  };
}

/** The verification task closed by `actor`'s decision ('verified', 'rejected'). */
export function decided(taskKind: string, outcome: 'verified' | 'rejected', actor: Actor): CloseTask[] {
  return [{ kind: taskKind, outcome, completedBy: actor.id }];
}

/**
 * Records the registration (`register`), then applies people's commands one at a time until the
 * lifecycle ends (no deadlines: only people move an account on), waits for the Updates still
 * answering, archives the history and answers with `snapshot()`.
 */
export async function verifyUntilClosed<Command, State>(
  lifecycle: Pick<LifecycleRecorder<string, string>, 'terminal'>,
  commands: CommandSlot<Command, State>,
  steps: { register(): Promise<void>; run(command: Command): Promise<void>; snapshot(): State },
): Promise<State> {
  await steps.register();
  await commands.loop({
    done: () => lifecycle.terminal,
    deadline: () => null,
    run: steps.run,
    elapsed: async () => undefined,
  });
  await condition(allHandlersFinished);
  await archiveHistoryOnClose();
  return steps.snapshot();
}
