// TOTP two-factor sign-in for staff (domain/totp.ts): enrolment shows a QR code of the otpauth URI
// and is confirmed by a first code, which also makes ten one-time recovery codes (shown once,
// stored hashed). At sign-in a staff member who has enrolled must give a code or a recovery code;
// whether staff who have not enrolled may still sign in is the `auth` policy (`offered` by default,
// `required` refuses them).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import QRCode from 'qrcode';
import { inTransaction } from '../../db/pool.js';
import {
  acceptTotpStep,
  getTotp,
  replaceRecoveryCodes,
  spendRecoveryCode,
  startTotpEnrolment,
  unusedRecoveryCodeCount,
} from '../../db/users/totp.js';
import {
  authPolicy,
  checkAuthPolicy,
  mayEnrolTotp,
  RECOVERY_CODE_COUNT,
  type AuthPolicy,
} from '../../domain/admin.js';
import { base32Encode, otpauthUri, TOTP_SECRET_BYTES, verifyTotp } from '../../domain/totp.js';
import { recordAudit } from '../audit/log.js';
import { ApiError, forbidden, validationFailed } from '../errors.js';
import { policyFromEnv } from '../services/policy-from-env.js';
import { hashOpaqueToken } from './tokens.js';
import type { SessionUser } from './tokens.js';

/** The sign-in policy new sign-ins follow (versioned like every policy; AUTH_POLICY_JSON first). */
export const currentAuthPolicy = policyFromEnv<AuthPolicy>({
  variable: 'AUTH_POLICY_JSON',
  withDefaults: authPolicy,
  check: checkAuthPolicy,
});

const ISSUER = 'clearhouse';

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  /** The QR code of otpauthUri as an SVG document. */
  qrSvg: string;
}

/** POST /auth/totp/enrol: a new secret for the caller (staff only; 409 once enrolled). */
export async function beginTotpEnrolment(deps: { pool: pg.Pool }, user: SessionUser): Promise<TotpEnrolment> {
  if (!mayEnrolTotp(user.role)) throw forbidden('two-factor sign-in is for staff roles');
  const existing = await getTotp(deps.pool, user.id);
  if (existing?.enabled) throw new ApiError(409, 'invalid_state', 'two-factor sign-in is set up already');
  const secret = base32Encode(randomBytes(TOTP_SECRET_BYTES));
  await startTotpEnrolment(deps.pool, user.id, secret);
  const uri = otpauthUri({ issuer: ISSUER, account: user.email, secretBase32: secret });
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUri: uri, qrSvg };
}

/** A recovery code: 10 base32 characters in two groups (50 bits), easy to type from paper. */
function newRecoveryCode(): string {
  const text = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase();
  return `${text.slice(0, 5)}-${text.slice(5)}`;
}

function hashRecoveryCode(code: string): string {
  return hashOpaqueToken(code.replace(/[\s-]/g, '').toLowerCase());
}

/**
 * POST /auth/totp/confirm: the first code from the app enables two-factor sign-in and answers the
 * recovery codes, once. 400 for a wrong code.
 */
export async function confirmTotpEnrolment(
  deps: { pool: pg.Pool },
  user: SessionUser,
  code: string,
  nowMs: number = Date.now(),
): Promise<{ recoveryCodes: string[] }> {
  const totp = await getTotp(deps.pool, user.id);
  if (!totp) throw new ApiError(409, 'invalid_state', 'start the enrolment first');
  if (totp.enabled) throw new ApiError(409, 'invalid_state', 'two-factor sign-in is set up already');
  const step = verifyTotp(totp.secret, code, nowMs, totp.lastStep);
  const wrong = 'the code is not right; enter the six digits your app shows now';
  if (step === null) throw validationFailed([{ path: 'code', code: 'wrong_code', message: wrong }], wrong);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTransaction(deps.pool, async (client) => {
    if (!(await acceptTotpStep(client, user.id, step, true)))
      throw validationFailed([{ path: 'code', code: 'wrong_code', message: wrong }], wrong);
    await replaceRecoveryCodes(client, user.id, codes.map(hashRecoveryCode));
    await recordAudit(client, {
      actor: user,
      action: 'auth.totp_enrolled',
      subject: { type: 'user', id: user.id },
      before: { twoFactor: false },
      after: { twoFactor: true, recoveryCodes: codes.length },
    });
  });
  return { recoveryCodes: codes };
}

/** What sign-in asks of the second factor for this user (domain/admin.ts secondFactorNeeded). */
export async function totpEnabled(db: pg.Pool, userId: string): Promise<boolean> {
  return (await getTotp(db, userId))?.enabled ?? false;
}

/**
 * Whether `code` is the user's current TOTP code (not used before) or one of their unused recovery
 * codes (spent now). A code is accepted at most once, also under racing sign-ins.
 */
export async function checkSecondFactor(
  db: pg.Pool,
  userId: string,
  code: string,
  nowMs: number = Date.now(),
): Promise<'totp' | 'recovery' | null> {
  const given = code.trim();
  if (given === '' || given.length > 64) return null;
  const totp = await getTotp(db, userId);
  if (!totp?.enabled) return null;
  if (/^\d[\d\s]*$/.test(given)) {
    const step = verifyTotp(totp.secret, given, nowMs, totp.lastStep);
    return step !== null && (await acceptTotpStep(db, userId, step, false)) ? 'totp' : null;
  }
  return (await spendRecoveryCode(db, userId, hashRecoveryCode(given))) ? 'recovery' : null;
}

export { unusedRecoveryCodeCount };
