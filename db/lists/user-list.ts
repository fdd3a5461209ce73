// The administrators' user list sorted by a column they pick (name, email, role, status, created),
// keyset-paged along that order, and its counts per role and per status. The API's GET /admin/users
// keeps its own newest-first offset page (db/users/admin.ts listUsers); this is the page's order.
import type pg from 'pg';
import type { Role } from '../../domain/roles.js';
import {
  COLUMNS as USER_COLUMNS,
  FROM as USER_FROM,
  toRow,
  type AdminUserRow,
  type Row,
} from '../users/admin.js';
import { likePattern, parseSort, selectSortedPage, textKey, type Sort, type SortSpec } from './sorting.js';

/** How the page names a user's access: no password yet, disabled, or active. */
const STATUS_SQL = `CASE WHEN u.disabled THEN 'disabled' WHEN u.password_set_at IS NULL THEN 'invited' ELSE 'active' END`;

export const USER_STATUSES = ['active', 'invited', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** The whitelist of the user list's sortable columns. */
export const USER_SORT = {
  list: 'admin-users',
  columns: {
    name: textKey('lower(u.display_name)'),
    email: textKey('lower(u.email)'),
    role: textKey('u.role'),
    status: textKey(STATUS_SQL),
    created: { sql: 'u.created_at', type: 'timestamptz' },
  },
  tieBreak: 'u.id::text',
  default: { column: 'created', dir: 'desc' },
} as const satisfies SortSpec;

export function userSortOf(column?: string | null, dir?: string | null): Sort {
  return parseSort(USER_SORT as SortSpec, column, dir);
}

export interface FindUsersInput {
  /** Part of the email or name, case-insensitive. */
  search?: string | null;
  role?: Role | null;
  status?: UserStatus | null;
  sort?: Sort;
  cursor?: string | null;
  limit?: number;
}

/** A page of users in the order `sort` names (ties by id). Throws InvalidCursorError. */
export async function findUsers(
  db: pg.Pool,
  input: FindUsersInput,
): Promise<{ users: AdminUserRow[]; nextCursor: string | null }> {
  const page = await selectSortedPage<Row>(db, USER_SORT as SortSpec, input, {
    select: USER_COLUMNS,
    from: USER_FROM,
    conditions: (param) => {
      const conditions: string[] = [];
      const search = input.search?.trim().slice(0, 200);
      if (search) {
        const pattern = param(likePattern(search));
        conditions.push(`(u.email ILIKE ${pattern} OR u.display_name ILIKE ${pattern})`);
      }
      if (input.role) conditions.push(`u.role = ${param(input.role)}`);
      if (input.status) conditions.push(`${STATUS_SQL} = ${param(input.status)}`);
      return conditions;
    },
  });
  return { users: page.rows.map(toRow), nextCursor: page.nextCursor };
}

/** Users per role and per status (the counts above the list). */
export async function userCounts(
  db: pg.Pool,
): Promise<{ byRole: Record<string, number>; byStatus: Record<string, number> }> {
  const { rows } = await db.query<{ role: string; status: string; n: string }>(
    `SELECT u.role, ${STATUS_SQL} AS status, count(*) AS n FROM app_user u GROUP BY 1, 2`,
  );
  const byRole: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const row of rows) {
    byRole[row.role] = (byRole[row.role] ?? 0) + Number(row.n);
    byStatus[row.status] = (byStatus[row.status] ?? 0) + Number(row.n);
  }
  return { byRole, byStatus };
}
