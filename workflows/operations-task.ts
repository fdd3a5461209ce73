// The task a lifecycle opens for operations about itself (verify an account, approve an outflow,
// confirm a receipt). One builder so every lifecycle words its tasks alike; it returns the same
// object the workflows built inline before (`priority` only when given), so recorded transitions
// keep their arguments.
import type { OpenTask } from './lifecycle.js';

export interface OperationsTaskFields {
  kind: string;
  /** The lifecycle's type and business id: what the task is about. */
  subjectType: string;
  subjectId: string;
  dueAt: string;
  summary: string;
  /** Inbox priority; left out of the task when not given. */
  priority?: number;
}

export function operationsTask(fields: OperationsTaskFields): OpenTask {
  const { kind, subjectType, subjectId, dueAt, summary, priority } = fields;
  const task: OpenTask = { kind, requiredRole: 'operations', subjectType, subjectId, dueAt, summary };
  if (priority !== undefined) task.priority = priority;
  return task;
}
