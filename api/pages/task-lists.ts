// The task inbox page's sorted, searched and counted list: db/lists/task-list.ts over the tasks of
// the roles the viewer may act on (the same rule as GET /tasks), read as the inbox shows them.
import { findTasks, taskCounts, taskSortOf } from '../../db/lists/task-list.js';
import type { Sort } from '../../db/lists/sorting.js';
import { canActOnTasks, taskRolesFor } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import { viewsOf } from '../services/tasks.js';
import type { WebUser } from './load-context.js';

export interface TaskListQuery {
  kind?: string;
  /** `me`: only tasks the viewer claimed. */
  assignee?: 'me';
  text?: string;
  sort?: Sort;
  cursor?: string;
  limit?: number;
}

function rolesOf(user: WebUser) {
  if (!canActOnTasks(user.role)) throw forbidden('the task inbox is for operations and AML officers');
  return taskRolesFor(user.role);
}

export function taskListServices(deps: AppDeps) {
  return {
    /** The sort `?sort=&dir=` ask for (UnknownSortError otherwise). */
    sortOf: (column?: string | null, dir?: string | null) => taskSortOf(column, dir),
    counts: (user: WebUser) => taskCounts(deps.pool, rolesOf(user), user.id),
    page: async (user: WebUser, query: TaskListQuery) => {
      const page = await findTasks(deps.pool, {
        roles: rolesOf(user),
        kind: query.kind,
        assignee: query.assignee === 'me' ? user.id : undefined,
        text: query.text,
        sort: query.sort,
        cursor: query.cursor,
        limit: query.limit,
      });
      return { items: await viewsOf(deps.pool, page.items, user), nextCursor: page.nextCursor };
    },
  };
}
