// The audit log sorted by a column the auditor picks (entry number, actor, role, action, subject),
// filtered and searched, keyset-paged along that order. The log's own newest-first page behind
// GET /audit/log stays db/audit/read.ts listAuditLog; read-only like it.
import type pg from 'pg';
import type { Page } from '../lifecycle/cursor.js';
import { AUDIT_COLUMNS, toEntry, type AuditLogEntry, type AuditRow } from '../audit/rows.js';
import { likePattern, parseSort, selectSortedPage, textKey, type Sort, type SortSpec } from './sorting.js';

/**
 * The whitelist of the log's sortable columns. Each names `audit_log.` columns: AUDIT_COLUMNS
 * selects `seq::text AS seq`, and a bare `seq` in ORDER BY would be that text.
 */
export const AUDIT_SORT = {
  list: 'audit-log',
  columns: {
    seq: { sql: 'audit_log.seq', type: 'numeric' },
    actor: textKey('lower(audit_log.actor_email)'),
    role: textKey('audit_log.actor_role'),
    action: textKey('audit_log.action'),
    subject: textKey("audit_log.subject_type || ' ' || audit_log.subject_id"),
  },
  tieBreak: 'audit_log.id::text',
  default: { column: 'seq', dir: 'desc' },
} as const satisfies SortSpec;

export function auditSortOf(column?: string | null, dir?: string | null): Sort {
  return parseSort(AUDIT_SORT as SortSpec, column, dir);
}

export interface FindAuditInput {
  actorId?: string;
  /** Exact action ('deposit.confirm'), or a prefix ending in '.*' ('auth.*'). */
  action?: string;
  subjectId?: string;
  /** Part of the actor's email, the subject id or the request id. */
  text?: string;
  sort?: Sort;
  cursor?: string | null;
  limit?: number;
}

/** A page of entries in the order `sort` names (ties by id). Throws InvalidCursorError. */
export async function findAuditEntries(db: pg.Pool, input: FindAuditInput): Promise<Page<AuditLogEntry>> {
  const page = await selectSortedPage<AuditRow>(db, AUDIT_SORT as SortSpec, input, {
    select: AUDIT_COLUMNS,
    from: 'audit_log',
    conditions: (param) => {
      const conditions: string[] = [];
      if (input.actorId) conditions.push(`audit_log.actor_id = ${param(input.actorId)}::uuid`);
      if (input.action) {
        conditions.push(
          input.action.endsWith('.*')
            ? `starts_with(audit_log.action, ${param(input.action.slice(0, -1))})`
            : `audit_log.action = ${param(input.action)}`,
        );
      }
      if (input.subjectId) conditions.push(`audit_log.subject_id = ${param(input.subjectId)}`);
      const search = input.text?.trim().slice(0, 100);
      if (search) {
        const pattern = param(likePattern(search));
        conditions.push(`(coalesce(audit_log.actor_email, '') ILIKE ${pattern}
             OR coalesce(audit_log.subject_id, '') ILIKE ${pattern}
             OR coalesce(audit_log.request_id, '') ILIKE ${pattern})`);
      }
      return conditions;
    },
  });
  return { items: page.rows.map(toEntry), nextCursor: page.nextCursor };
}
