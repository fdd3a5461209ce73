import {
  appendAudit,
  AuditEntryError,
  jsonParam,
  type AuditActor,
  type AuditDb,
  type AuditEntryInput,
  type AuditRecord,
  type AuditSubject,
} from '../../db/audit/append.js';
import { logger } from '../logger.js';
import { requestMeta } from '../middleware/request-context.js';

// Recording human actions in the audit log from a request. The log itself (the append, the hash
// chain, reading and verifying) is db/audit/; this module adds what only the HTTP side knows: the
// current request's metadata (request id, IP, user agent: requestMeta()), and what to do when the
// write fails.
//
// Failure policy. `recordAudit` throws when the row cannot be written: use it inside your own
// transaction when the action and its audit row must commit together (fail closed).
// `recordAuditSafely` / `auditStaffAction` are for actions that have already happened (a Temporal
// Update was accepted, a session was issued): they never throw — answering 500 for an action that
// did take effect would invite a retry of something already done — but retry once and then log
// the complete entry at error level ("AUDIT WRITE FAILED"), so it can be alerted on and
// re-entered from the logs. That is our choice: fail open after success, loudly.

export {
  AUDIT_CHAIN_LOCK,
  AuditEntryError,
  type AuditActor,
  type AuditDb,
  type AuditEntryInput,
  type AuditMeta,
  type AuditRecord,
  type AuditSubject,
} from '../../db/audit/append.js';

/** `meta` as given, or (when absent) the current request's requestMeta(); null records none. */
function withRequestMeta(input: AuditEntryInput): AuditEntryInput {
  return { ...input, meta: input.meta === undefined ? (requestMeta() ?? null) : input.meta };
}

/**
 * Appends one entry to the audit log and returns it (db/audit/append.ts appendAudit: with a pool,
 * its own short transaction; with a client, inside the client's open transaction). `meta` defaults
 * to the current request's requestMeta(); pass null to record none.
 * Throws on failure (see the failure policy at the top of this file).
 */
export async function recordAudit(db: AuditDb, input: AuditEntryInput): Promise<AuditRecord> {
  return appendAudit(db, withRequestMeta(input));
}

/**
 * recordAudit for an action that has already taken effect: never throws. Retries once, then logs
 * the whole entry at error level and returns null.
 */
export async function recordAuditSafely(db: AuditDb, input: AuditEntryInput): Promise<AuditRecord | null> {
  // Capture the request metadata now: a retry must record the same request.
  const entry = withRequestMeta(input);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      return await recordAudit(db, entry);
    } catch (error) {
      lastError = error;
      if (error instanceof AuditEntryError) break;
      if (attempt === 1) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  logger.error(
    {
      err: lastError,
      audit: {
        action: input.action,
        actor: input.actor,
        subject: input.subject ?? null,
        before: jsonParam(input.before),
        after: jsonParam(input.after),
        meta: entry.meta,
      },
    },
    'AUDIT WRITE FAILED: an action took effect but its audit entry could not be recorded',
  );
  return null;
}

/**
 * Records a staff (or client) action after it succeeded, e.g. in api/services/deposits.ts:
 *
 *   const result = await handle.executeUpdate(...);            // the action took effect
 *   await auditStaffAction(deps.pool, user, 'deposit.confirm', { type: 'deposit', id },
 *     { status: 'PENDING' }, { status: result.status });
 *
 * `user` is the authenticated caller ({ id, role, email }); the request id, IP and user agent come
 * from the current request. Never throws (see recordAuditSafely).
 */
export function auditStaffAction(
  db: AuditDb,
  user: AuditActor,
  action: string,
  subject: AuditSubject,
  before?: unknown,
  after?: unknown,
  options: { once?: AuditEntryInput['once'] } = {},
): Promise<AuditRecord | null> {
  return recordAuditSafely(db, { actor: user, action, subject, before, after, ...options });
}
