// Reading the audit log: the newest-first page behind GET /audit/log and the auditor's page, and
// every entry about one lifecycle (the auditor's workflow page).
import {
  clampLimit,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  type Page,
} from '../lifecycle/cursor.js';
import type { AuditDb } from './append.js';
import { AUDIT_COLUMNS, toEntry, type AuditLogEntry, type AuditRow } from './rows.js';

export interface AuditLogQuery {
  limit?: number;
  cursor?: string;
  actorId?: string;
  /** Exact action ('deposit.confirm'), or a prefix ending in '.*' ('auth.*'). */
  action?: string;
  subjectType?: string;
  subjectId?: string;
}

const CURSOR_KIND = 'audit';

/**
 * The log newest first, keyset-paginated on seq. Throws InvalidCursorError (db/lifecycle/cursor.ts)
 * for a cursor this list did not issue.
 */
export async function listAuditLog(db: AuditDb, query: AuditLogQuery = {}): Promise<Page<AuditLogEntry>> {
  const limit = clampLimit(query.limit);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.cursor) {
    const [seq] = decodeCursor(CURSOR_KIND, query.cursor, ['s']);
    if (typeof seq !== 'string' || !/^\d{1,18}$/.test(seq)) throw new InvalidCursorError(query.cursor);
    add((p) => `seq < ${p}::bigint`, seq);
  }
  if (query.actorId) add((p) => `actor_id = ${p}::uuid`, query.actorId);
  if (query.action) {
    if (query.action.endsWith('.*')) add((p) => `starts_with(action, ${p})`, query.action.slice(0, -1));
    else add((p) => `action = ${p}`, query.action);
  }
  if (query.subjectType) add((p) => `subject_type = ${p}`, query.subjectType);
  if (query.subjectId) add((p) => `subject_id = ${p}`, query.subjectId);
  params.push(limit + 1);
  const { rows } = await db.query<AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY audit_log.seq DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toEntry),
    nextCursor: rows.length > limit && last ? encodeCursor(CURSOR_KIND, [last.seq]) : null,
  };
}

/**
 * Every entry about one lifecycle, oldest first: entries whose subject is one of `subjectIds` (the
 * business id, the workflow id, its tasks) or whose `after` names `workflowId`.
 */
export async function auditLogAbout(
  db: AuditDb,
  about: { subjectIds: string[]; workflowId: string },
): Promise<AuditLogEntry[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log
      WHERE subject_id = ANY($1::text[]) OR after ->> 'workflowId' = $2
      ORDER BY audit_log.seq`,
    [about.subjectIds, about.workflowId],
  );
  return rows.map(toEntry);
}
