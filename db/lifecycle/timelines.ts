// Timelines and live tasks of a page of lifecycles, each in one query, for list views: every
// lifecycle's list (deposits, withdrawals, bank accounts) reads them the same way.
import type pg from 'pg';
import type { TimelineEntry } from '../../domain/lifecycle.js';
import type { Role } from '../../domain/roles.js';
import { TASK_COLUMNS, toTask, type Task, type TaskRow } from './tasks.js';

type Db = pg.Pool | pg.PoolClient;

/** One transition of a timeline with the domain action that caused it (null when unknown). */
export interface RecordedTransition<Status extends string = string> {
  entry: TimelineEntry<Status>;
  action: string | null;
}

interface TransitionRow {
  workflow_id: string;
  at: Date;
  from_status: string | null;
  to_status: string;
  actor_id: string | null;
  actor_role: string | null;
  reason: string | null;
  action: string | null;
}

/** The transitions (lifecycle_event, in order) of several workflows; every id has an entry. */
export async function transitionsOfWorkflows<Status extends string = string>(
  db: Db,
  workflowIds: readonly string[],
): Promise<Map<string, RecordedTransition<Status>[]>> {
  const result = new Map<string, RecordedTransition<Status>[]>(workflowIds.map((id) => [id, []]));
  if (workflowIds.length === 0) return result;
  const { rows } = await db.query<TransitionRow>(
    `SELECT workflow_id, at, from_status, to_status, actor_id, actor_role, reason, data->>'action' AS action
       FROM lifecycle_event WHERE workflow_id = ANY($1::text[]) ORDER BY workflow_id, seq`,
    [[...workflowIds]],
  );
  for (const row of rows) {
    result.get(row.workflow_id)?.push({
      entry: {
        at: row.at.toISOString(),
        from: row.from_status as Status | null,
        to: row.to_status as Status,
        actor: row.actor_id && row.actor_role ? { id: row.actor_id, role: row.actor_role as Role } : null,
        reason: row.reason,
      },
      action: row.action,
    });
  }
  return result;
}

/** Live (open or claimed) tasks of several workflows, oldest first; every id has an entry. */
export async function liveTasksOfWorkflows(
  db: Db,
  workflowIds: readonly string[],
): Promise<Map<string, Task[]>> {
  const result = new Map<string, Task[]>(workflowIds.map((id) => [id, []]));
  if (workflowIds.length === 0) return result;
  const { rows } = await db.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM task
      WHERE workflow_id = ANY($1::text[]) AND status IN ('open', 'claimed') ORDER BY created_at, id`,
    [[...workflowIds]],
  );
  for (const row of rows) {
    const task = toTask(row);
    result.get(task.workflowId)?.push(task);
  }
  return result;
}
