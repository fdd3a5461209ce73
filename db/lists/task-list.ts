// The task inbox sorted by a column the viewer picks (kind, subject, age, due date, assignee,
// priority, status) and searched (summary, subject id, the subject's reference or client), keyset-
// paged along that order; and the counts the inbox shows above its rows. The inbox's own order
// (urgency: priority, due date, age) stays db/lifecycle/tasks.ts listTasks; this is the order a
// person asks for by a header. Read-only, and only tasks of the roles the caller may act on.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import type { Role } from '../../domain/roles.js';
import type { Page } from '../lifecycle/cursor.js';
import {
  LIVE_TASK_STATUSES,
  TASK_COLUMNS,
  toTask,
  type Task,
  type TaskRow,
  type TaskStatus,
} from '../lifecycle/tasks.js';
import {
  instantKey,
  likePattern,
  parseSort,
  selectSortedPage,
  textKey,
  type Sort,
  type SortSpec,
} from './sorting.js';

const MAX_SEARCH_TEXT = 100;

/** The whitelist of the inbox's sortable columns: the URL's `sort` picks a name, never SQL. */
export const TASK_SORT = {
  list: 'tasks',
  columns: {
    kind: textKey('t.kind'),
    subject: textKey('lower(coalesce(t.summary, t.subject_id))'),
    created: { sql: 't.created_at', type: 'timestamptz' },
    // A task without a due date is due "never": last when the soonest come first.
    due: instantKey('t.due_at', 'infinity'),
    assignee: textKey('lower(coalesce(a.display_name, a.email))'),
    priority: { sql: 't.priority', type: 'numeric' },
    status: textKey('t.status'),
  },
  tieBreak: 't.id::text',
  default: { column: 'due', dir: 'asc' },
} as const satisfies SortSpec;

export type TaskSortColumn = keyof typeof TASK_SORT.columns;

/** The sort `?sort=&dir=` ask for (UnknownSortError for a column outside TASK_SORT). */
export function taskSortOf(column?: string | null, dir?: string | null): Sort {
  return parseSort(TASK_SORT as SortSpec, column, dir);
}

export interface FindTasksInput {
  /** The required roles the caller may act on (roles.ts taskRolesFor). Empty: nothing. */
  roles: readonly Role[];
  /** Default: the live ones (open and claimed). */
  status?: TaskStatus;
  /** The kind, or its part before ':' (a break's tasks carry its id after it). */
  kind?: string;
  /** Only tasks claimed by this user. */
  assignee?: string;
  /** Part of the summary or subject id, an exact task id, the subject's attributes or client. */
  text?: string;
  sort?: Sort;
  cursor?: string | null;
  limit?: number;
}

const QUALIFIED_COLUMNS = TASK_COLUMNS.split(',')
  .map((column) => `t.${column.trim()}`)
  .join(', ');

/** A page of tasks in the order `sort` names, the id breaking ties. Throws InvalidCursorError. */
export async function findTasks(pool: pg.Pool, input: FindTasksInput): Promise<Page<Task>> {
  if (input.roles.length === 0) return { items: [], nextCursor: null };
  if (input.assignee !== undefined && !isUuid(input.assignee)) return { items: [], nextCursor: null };
  const page = await selectSortedPage<TaskRow>(pool, TASK_SORT as SortSpec, input, {
    select: QUALIFIED_COLUMNS,
    from: `task t
       LEFT JOIN app_user a ON a.id = t.assignee
       LEFT JOIN lifecycle l ON l.workflow_id = t.workflow_id
       LEFT JOIN app_user o ON o.id = l.owner_id`,
    conditions: (param) => {
      const statuses = input.status ? [input.status] : LIVE_TASK_STATUSES;
      const conditions = [
        `t.required_role = ANY(${param([...input.roles])}::text[])`,
        `t.status = ANY(${param([...statuses])}::text[])`,
      ];
      if (input.kind) {
        const kind = param(input.kind);
        conditions.push(`(t.kind = ${kind} OR starts_with(t.kind, ${kind} || ':'))`);
      }
      if (input.assignee !== undefined) conditions.push(`t.assignee = ${param(input.assignee)}::uuid`);
      const search = input.text?.trim().slice(0, MAX_SEARCH_TEXT) ?? '';
      if (search !== '') {
        const pattern = param(likePattern(search));
        const exactId = isUuid(search) ? `t.id = ${param(search.toLowerCase())}::uuid OR ` : '';
        conditions.push(`(${exactId}t.summary ILIKE ${pattern}
             OR t.subject_id ILIKE ${pattern}
             OR coalesce(l.attributes::text, '') ILIKE ${pattern}
             OR coalesce(o.email, '') ILIKE ${pattern}
             OR coalesce(o.display_name, '') ILIKE ${pattern})`);
      }
      return conditions;
    },
  });
  return { items: page.rows.map(toTask), nextCursor: page.nextCursor };
}

export interface TaskCounts {
  /** Live tasks per kind (a kind's part before ':', as the inbox filters them). */
  byKind: Record<string, number>;
  live: number;
  overdue: number;
  /** Claimed by the caller. */
  mine: number;
}

/** What the inbox counts above its rows, over the live tasks of `roles`. */
export async function taskCounts(pool: pg.Pool, roles: readonly Role[], userId: string): Promise<TaskCounts> {
  const counts: TaskCounts = { byKind: {}, live: 0, overdue: 0, mine: 0 };
  if (roles.length === 0) return counts;
  const { rows } = await pool.query<{ kind: string; n: string; overdue: string; mine: string }>(
    `SELECT split_part(kind, ':', 1) AS kind, count(*) AS n,
            count(*) FILTER (WHERE due_at < now()) AS overdue,
            count(*) FILTER (WHERE status = 'claimed' AND assignee = $3::uuid) AS mine
       FROM task
      WHERE required_role = ANY($1::text[]) AND status = ANY($2::text[])
      GROUP BY 1`,
    [[...roles], [...LIVE_TASK_STATUSES], isUuid(userId) ? userId : null],
  );
  for (const row of rows) {
    counts.byKind[row.kind] = Number(row.n);
    counts.live += Number(row.n);
    counts.overdue += Number(row.overdue);
    counts.mine += Number(row.mine);
  }
  return counts;
}
