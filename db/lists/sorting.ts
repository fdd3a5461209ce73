// Sorting a staff list by a column the viewer picks (`?sort=amount&dir=desc`), safely and with
// keyset paging that follows the sort. The column name from the URL only ever selects an entry of a
// list's whitelist (a fixed SQL expression written here); nothing the user typed reaches the SQL
// text. Every order ends with the list's unique id in the same direction, so rows with equal keys
// keep one order and a page boundary between them loses or repeats no row.
import type pg from 'pg';
import { clampLimit, decodeCursor, encodeCursor, InvalidCursorError } from '../lifecycle/cursor.js';

export type SortDir = 'asc' | 'desc';

/** How a sort key is compared: the SQL type its text is cast back to when a cursor resumes. */
export type SortKeyType = 'text' | 'numeric' | 'timestamptz';

export interface SortColumn {
  /**
   * A SQL expression that is never NULL (coalesce a missing value to a floor: '' for text, -1 for
   * amounts, '-infinity' for times), so keys compare as a row value without NULL's three-valued logic.
   */
  sql: string;
  type: SortKeyType;
}

export interface SortSpec<C extends string = string> {
  /** Names the list in its cursors, so a cursor of another list or sort is refused. */
  list: string;
  columns: Readonly<Record<C, SortColumn>>;
  /** A unique, non-NULL text expression of the row (its id): the last key of every order. */
  tieBreak: string;
  /** The order when the URL names none. */
  default: { column: C; dir: SortDir };
}

export interface Sort<C extends string = string> {
  column: C;
  dir: SortDir;
}

/** A sort column the list does not offer (pages: 400, never a silent fallback). */
export class UnknownSortError extends Error {
  override readonly name = 'UnknownSortError';
  constructor(
    readonly column: string,
    readonly allowed: readonly string[],
  ) {
    super(`cannot sort by "${column.slice(0, 40)}"; sortable: ${allowed.join(', ')}`);
  }
}

export function sortableColumns(spec: SortSpec): string[] {
  return Object.keys(spec.columns);
}

/**
 * The sort the URL asks for: column from the whitelist (UnknownSortError otherwise), direction
 * `asc` or `desc` (anything else is refused the same way); both absent: the list's default.
 */
export function parseSort<C extends string>(
  spec: SortSpec<C>,
  column: string | null | undefined,
  dir: string | null | undefined,
): Sort<C> {
  const name = column || spec.default.column;
  if (!Object.hasOwn(spec.columns, name)) throw new UnknownSortError(name, sortableColumns(spec));
  if (dir && dir !== 'asc' && dir !== 'desc') throw new UnknownSortError(`direction ${dir}`, ['asc', 'desc']);
  const direction = (dir as SortDir | '' | null | undefined) || (column ? 'asc' : spec.default.dir);
  return { column: name as C, dir: direction };
}

const cursorKind = (spec: SortSpec, sort: Sort) => `${spec.list}:${sort.column}:${sort.dir}`;

/**
 * The SQL of a sorted page: the key as text (`sort_key`) and the tie-break (`sort_id`) to select,
 * the ORDER BY, and, after a cursor, the condition that resumes behind its row. `param` adds a
 * bound parameter and answers its placeholder.
 */
export function sortSql(
  spec: SortSpec,
  sort: Sort,
  cursor: string | null | undefined,
  param: (value: unknown) => string,
): { select: string; orderBy: string; after: string | null } {
  const column = spec.columns[sort.column];
  if (!column) throw new UnknownSortError(sort.column, sortableColumns(spec));
  const direction = sort.dir === 'asc' ? 'ASC' : 'DESC';
  let after: string | null = null;
  if (cursor) {
    const [key, id] = decodeCursor(cursorKind(spec, sort), cursor, ['s', 's']) as [string, string];
    if (column.type !== 'text' && !validKey(column.type, key)) throw new InvalidCursorError(cursor);
    const op = sort.dir === 'asc' ? '>' : '<';
    after = `((${column.sql}), (${spec.tieBreak})) ${op} (${param(key)}::${column.type}, ${param(id)}::text)`;
  }
  return {
    select: `(${column.sql})::text AS sort_key, (${spec.tieBreak})::text AS sort_id`,
    orderBy: `ORDER BY (${column.sql}) ${direction}, (${spec.tieBreak}) ${direction}`,
    after,
  };
}

/** A cast that would fail in SQL (a hand-edited cursor) is the cursor's fault: 400, not 500. */
function validKey(type: Exclude<SortKeyType, 'text'>, key: string): boolean {
  if (type === 'numeric') return /^-?\d{1,30}(\.\d{1,30})?$/.test(key);
  // PostgreSQL's text of a timestamptz: "2026-12-01 10:00:00.123456+00" (offset as the session has it).
  return /^(-?infinity|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2})$/.test(key);
}

/** The cursor of the page after `last` (a row of the page that selected sortSql's columns). */
export function sortCursor(spec: SortSpec, sort: Sort, last: { sort_key: string; sort_id: string }): string {
  return encodeCursor(cursorKind(spec, sort), [last.sort_key, last.sort_id]);
}

// ---- building blocks of a sorted list's query ---------------------------------------------------------

/** A text key; a missing value sorts first ascending. */
export function textKey(sql: string): SortColumn {
  return { sql: `coalesce(${sql}, '')`, type: 'text' };
}

/** An instant key (a timestamptz, or ISO text in JSON); a missing one sorts as `floor`. */
export function instantKey(sql: string, floor: '-infinity' | 'infinity' = '-infinity'): SortColumn {
  return { sql: `coalesce((${sql})::timestamptz, '${floor}'::timestamptz)`, type: 'timestamptz' };
}

/** Escapes LIKE's wildcards and wraps the text in %…%, so a search for "CH_1" means those characters. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Bound parameters of one query: `param` adds a value and answers its placeholder. */
export function queryParams() {
  const values: unknown[] = [];
  return {
    values,
    param: (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * The page of a query that selected sortSql's columns and asked for `limit + 1` rows: the first
 * `limit` rows and, when there was one more, the cursor after the last of them.
 */
export function sortedPage<R extends { sort_key: string; sort_id: string }>(
  spec: SortSpec,
  sort: Sort,
  rows: readonly R[],
  limit: number,
): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit && last ? sortCursor(spec, sort, last) : null };
}

/**
 * One sorted, keyset-paged list query: `SELECT <select> FROM <from> WHERE <conditions> ORDER BY …
 * LIMIT …` with the page's cursor resumed, answering its rows without the sort columns. `from` and
 * `conditions` bind their values through `param` before the sort's own.
 */
export async function selectSortedPage<R>(
  db: pg.Pool,
  spec: SortSpec,
  input: { sort?: Sort; cursor?: string | null; limit?: number },
  query: {
    select: string;
    /** A table, or a subquery that binds values of its own through `param`. */
    from: string | ((param: (value: unknown) => string) => string);
    conditions: (param: (value: unknown) => string) => string[];
  },
): Promise<{ rows: R[]; nextCursor: string | null }> {
  const sort = input.sort ?? spec.default;
  const limit = clampLimit(input.limit);
  const { values, param } = queryParams();
  const from = typeof query.from === 'string' ? query.from : query.from(param);
  const conditions = query.conditions(param);
  const sql = sortSql(spec, sort, input.cursor, param);
  if (sql.after) conditions.push(sql.after);
  const { rows } = await db.query<R & { sort_key: string; sort_id: string }>(
    `SELECT ${query.select}, ${sql.select} FROM ${from}
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
      ${sql.orderBy}
      LIMIT ${param(limit + 1)}`,
    values,
  );
  const page = sortedPage(spec, sort, rows, limit);
  return {
    rows: page.rows.map(({ sort_key: _key, sort_id: _id, ...row }) => row as R),
    nextCursor: page.nextCursor,
  };
}
