// Password reset by email, and setting the first password from an invitation: both are a single-use
// link (db/users/user-tokens.ts) that the person spends with a new password. Asking for a reset
// answers the same whether or not the email belongs to someone (no account discovery); the mail
// goes through the outbox (event `user.password_reset`) in the transaction that creates the link.
import type pg from 'pg';
import { inTransaction } from '../../db/pool.js';
import { findUserByEmail, getUser } from '../../db/users/index.js';
import { setUserPassword } from '../../db/users/admin.js';
import { insertUserToken, spendUserToken } from '../../db/users/user-tokens.js';
import { hashPassword } from '../../db/users/passwords.js';
import { insertOutboxEvent } from '../../db/outbox/events.js';
import { PASSWORD_RESET_TTL_MS, passwordProblems } from '../../domain/admin.js';
import { recordAudit, recordAuditSafely } from '../audit/log.js';
import { validationFailed } from '../errors.js';
import { forgetUserSessions } from './live-session.js';
import { normalizeEmail } from './service.js';
import { hashOpaqueToken, newOpaqueToken } from './tokens.js';

const LINK_INVALID =
  'this link is not valid any more (used, expired or replaced by a newer one); ask for a new one';

/**
 * POST /auth/password-reset: when `email` belongs to an enabled user who has set a password, a
 * reset link by mail (earlier links stop working). Answers nothing either way.
 */
export async function requestPasswordReset(deps: { pool: pg.Pool }, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  const user = await findUserByEmail(deps.pool, email);
  if (!user || user.disabled) {
    await recordAuditSafely(deps.pool, {
      actor: null,
      action: 'auth.password_reset_ignored',
      subject: { type: 'email', id: email.slice(0, 200) },
      after: { reason: user ? 'disabled' : 'unknown_email' },
    });
    return;
  }
  const token = newOpaqueToken();
  await inTransaction(deps.pool, async (client) => {
    const expiresAt = await insertUserToken(client, {
      userId: user.id,
      purpose: 'password_reset',
      tokenHash: hashOpaqueToken(token),
      ttlMs: PASSWORD_RESET_TTL_MS,
      createdBy: null,
    });
    await insertOutboxEvent(client, {
      type: 'user.password_reset',
      ownerId: user.id,
      data: { link: `/set-password?token=${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() },
    });
    await recordAudit(client, {
      actor: null,
      action: 'auth.password_reset_requested',
      subject: { type: 'user', id: user.id },
      after: { expiresAt: expiresAt.toISOString() },
    });
  });
}

/**
 * POST /auth/password-reset/confirm (and the set-password page): spends the link and sets the
 * password; every session of the user ends. 400 when the password is not acceptable or the link
 * is unknown, used or expired.
 */
export async function confirmPasswordReset(
  deps: { pool: pg.Pool },
  input: { token: string; password: string },
): Promise<{ userId: string; email: string }> {
  const problems = passwordProblems(input.password);
  if (problems.length > 0)
    throw validationFailed(
      problems.map((message) => ({ path: 'password', code: 'too_weak', message })),
      problems.join('; '),
    );
  if (!input.token || input.token.length > 200)
    throw validationFailed([{ path: 'token', code: 'invalid_token', message: LINK_INVALID }], LINK_INVALID);
  // scrypt before the transaction: a slow hash must not hold a row lock.
  const passwordHash = await hashPassword(input.password);
  const done = await inTransaction(deps.pool, async (client) => {
    const spent = await spendUserToken(client, hashOpaqueToken(input.token));
    if (!spent) return null;
    const user = await getUser(client, spent.userId);
    if (!user || user.disabled) return null;
    await setUserPassword(client, user.id, passwordHash);
    await recordAudit(client, {
      actor: { id: user.id, role: user.role, email: user.email },
      action: spent.purpose === 'invitation' ? 'auth.invitation_accepted' : 'auth.password_reset',
      subject: { type: 'user', id: user.id },
      before: { passwordSet: spent.purpose !== 'invitation' },
      after: { passwordSet: true, sessionsEnded: true },
    });
    return { userId: user.id, email: user.email };
  });
  if (!done)
    throw validationFailed([{ path: 'token', code: 'invalid_token', message: LINK_INVALID }], LINK_INVALID);
  forgetUserSessions(done.userId);
  return done;
}
