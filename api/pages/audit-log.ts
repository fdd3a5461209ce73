// What the auditor pages (web/app/routes/audit.log.tsx) need, in-process: the same functions and
// the same role rule as GET /audit/log and GET /audit/log/verify. Wired into the Remix load
// context in api/pages/load-context.ts as `audit: auditWebServices(deps),`.
import type pg from 'pg';
import type { Role } from '../../domain/roles.js';
import { listAuditLog, type AuditLogQuery } from '../../db/audit/read.js';
import { verifyAuditLog } from '../../db/audit/verify.js';
import { auditSortOf, findAuditEntries, type FindAuditInput } from '../../db/lists/audit-list.js';
import { assertAuditReader } from '../audit/readers.js';

export function auditWebServices(deps: { pool: pg.Pool }) {
  return {
    /** A page of the log, newest first (throws InvalidCursorError for a foreign cursor). */
    list: (user: { role: Role }, query: AuditLogQuery) => {
      assertAuditReader(user);
      return listAuditLog(deps.pool, query);
    },
    /** The page's list sorted by a header and searched (db/lists/audit-list.ts). */
    lists: {
      sortOf: (column?: string | null, dir?: string | null) => auditSortOf(column, dir),
      page: (user: { role: Role }, query: FindAuditInput) => {
        assertAuditReader(user);
        return findAuditEntries(deps.pool, query);
      },
    },
    /** Recomputes the whole chain. */
    verify: (user: { role: Role }) => {
      assertAuditReader(user);
      return verifyAuditLog(deps.pool);
    },
  };
}

export type AuditWebServices = ReturnType<typeof auditWebServices>;
