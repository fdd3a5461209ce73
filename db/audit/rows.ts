// The audit_log row as read back, shared by reading (read.ts) and verifying (verify.ts): the
// selected columns, the entry the API and pages show, and the fields the hash covers (hash.ts).
import type { AuditSubject } from './append.js';
import { AUDIT_TIME_SQL, type AuditRowFields } from './hash.js';

/** One row of the log as the API and the pages show it. */
export interface AuditLogEntry {
  id: string;
  seq: string;
  at: string;
  actor: { id: string; role: string; email: string | null } | null;
  action: string;
  subject: AuditSubject | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  prevHash: string | null;
  hash: string;
}

export interface AuditRow {
  id: string;
  seq: string;
  at: Date;
  at_text: string;
  actor_id: string | null;
  actor_role: string | null;
  actor_email: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  prev_hash: string | null;
  hash: string;
}

// (ORDER BY must name audit_log.seq: a bare `seq` would be the text alias below and sort '10' before '2'.)
export const AUDIT_COLUMNS = `id, seq::text AS seq, at, ${AUDIT_TIME_SQL} AS at_text, actor_id, actor_role, actor_email,
  action, subject_type, subject_id, before, after, request_id, ip, user_agent, prev_hash, hash`;

export function toEntry(row: AuditRow): AuditLogEntry {
  return {
    id: row.id,
    seq: row.seq,
    at: row.at.toISOString(),
    actor:
      row.actor_id && row.actor_role
        ? { id: row.actor_id, role: row.actor_role, email: row.actor_email }
        : null,
    action: row.action,
    subject: row.subject_type && row.subject_id ? { type: row.subject_type, id: row.subject_id } : null,
    before: row.before,
    after: row.after,
    requestId: row.request_id,
    ip: row.ip,
    userAgent: row.user_agent,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toFields(row: AuditRow): AuditRowFields {
  return {
    id: row.id,
    seq: row.seq,
    at: row.at_text,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    actorEmail: row.actor_email,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    before: row.before,
    after: row.after,
    requestId: row.request_id,
    ip: row.ip,
    userAgent: row.user_agent,
    prevHash: row.prev_hash,
  };
}
