// The second step of a page sign-in (a staff member who enrolled TOTP): the sign-in page must ask
// for the code on a second form without JavaScript, and the code is checked by the same login()
// as the first step (password, throttle, audit), so the second form has to carry the email and
// password. It carries them sealed: encrypted and authenticated (JWE, dir + A256GCM) under a key
// derived from JWT_SECRET, for five minutes — the password never appears readable in the HTML, a
// tampered or stale token is refused, and any server process with the same secret can open it.
import { createHash } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { jwtKey } from './config.js';

/** How long the code form may wait before the first step must be done again. */
export const SIGN_IN_STEP_TTL_SECONDS = 5 * 60;

const PURPOSE = 'sign-in-second-factor';

let key: Uint8Array | undefined;

/** 32 bytes for A256GCM, separate from the signing key itself (a token of one kind is never the other). */
function stepKey(): Uint8Array {
  key ??= createHash('sha256').update(`clearhouse ${PURPOSE}\0`).update(jwtKey()).digest();
  return key;
}

export interface SignInStep {
  email: string;
  password: string;
}

/** The sealed first step, for a hidden field of the code form. */
export function sealSignInStep(step: SignInStep): Promise<string> {
  return new EncryptJWT({ purpose: PURPOSE, email: step.email, password: step.password })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${SIGN_IN_STEP_TTL_SECONDS}s`)
    .encrypt(stepKey());
}

/** The first step sealed in `token`, or null when it is not one of ours, tampered with or expired. */
export async function openSignInStep(token: string): Promise<SignInStep | null> {
  if (token === '' || token.length > 4096) return null;
  try {
    const { payload } = await jwtDecrypt(token, stepKey(), { keyManagementAlgorithms: ['dir'] });
    const { purpose, email, password } = payload;
    if (purpose !== PURPOSE || typeof email !== 'string' || typeof password !== 'string') return null;
    return { email, password };
  } catch {
    return null;
  }
}
