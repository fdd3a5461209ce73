// TOTP two-factor sign-in for staff over HTTP: enrolment (QR code, confirmation by a first code,
// recovery codes once), sign-in needing a code afterwards (missing, wrong, replayed, recovery code
// once), clients refused enrolment, and an admin resetting a lost phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { closePool } from '../../db/pool.js';
import { totpCode } from '../../domain/totp.js';

let app: TestApp;

const post = (path: string, json: unknown, token?: string) =>
  app.api(`/api/v1${path}`, { method: 'POST', json, token });
const login = (user: TestUser, totpCode?: string) =>
  post('/auth/login', { email: user.email, password: user.password, ...(totpCode ? { totpCode } : {}) });

beforeAll(async () => {
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
});

afterAll(async () => {
  await app.close();
  await closePool();
});

async function enrolled(role: TestUser['role'] = 'operations') {
  const user = await app.createUser(role);
  const { accessToken } = await app.login(user);
  const enrol = await post('/auth/totp/enrol', {}, accessToken);
  expect(enrol.status).toBe(200);
  expect(enrol.body.qrSvg).toMatch(/^<svg/);
  expect(enrol.body.otpauthUri).toContain(`secret=${enrol.body.secret}`);
  const secret = enrol.body.secret as string;
  const wrong = await post(
    '/auth/totp/confirm',
    { code: '000000' === totpCode(secret, Date.now()) ? '111111' : '000000' },
    accessToken,
  );
  expect(wrong.status).toBe(400);
  const confirmed = await post('/auth/totp/confirm', { code: totpCode(secret, Date.now()) }, accessToken);
  expect(confirmed.status).toBe(200);
  expect(confirmed.body.recoveryCodes).toHaveLength(10);
  return { user, secret, recoveryCodes: confirmed.body.recoveryCodes as string[], accessToken };
}

describe('TOTP two-factor sign-in', () => {
  it('staff without TOTP sign in with the password alone (the default policy offers it)', async () => {
    const ops = await app.createUser('operations');
    expect((await login(ops)).status).toBe(200);
  });

  it('after enrolment sign-in needs the code; a used code and a wrong one are refused', async () => {
    const { user, secret } = await enrolled();
    const missing = await login(user);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('totp_required');
    const wrong = await login(user, '000000' === totpCode(secret, Date.now()) ? '111111' : '000000');
    expect(wrong.body.error.code).toBe('totp_invalid');
    // The confirmation used the current step; the next step's code (accepted within the window) works once.
    const next = totpCode(secret, Date.now() + 30_000);
    const ok = await login(user, next);
    expect(ok.status).toBe(200);
    expect((await login(user, next)).body.error.code).toBe('totp_invalid');
  });

  it('a recovery code works once in place of the code', async () => {
    const { user, recoveryCodes } = await enrolled('admin');
    const code = recoveryCodes[0]!;
    expect((await login(user, code.toUpperCase())).status).toBe(200);
    expect((await login(user, code)).status).toBe(401);
    expect((await login(user, recoveryCodes[1]!)).status).toBe(200);
  });

  it('enrolling twice is refused and clients may not enrol', async () => {
    const { accessToken } = await enrolled();
    expect((await post('/auth/totp/enrol', {}, accessToken)).status).toBe(409);
    const client = await app.createUser('client');
    const { accessToken: clientToken } = await app.login(client);
    expect((await post('/auth/totp/enrol', {}, clientToken)).status).toBe(403);
  });

  it('an admin resets a lost phone: the user signs in with the password again', async () => {
    const { user } = await enrolled('aml_officer');
    const admin = await app.createUser('admin');
    const { accessToken } = await app.login(admin);
    const reset = await post(`/admin/users/${user.id}/totp-reset`, {}, accessToken);
    expect(reset.status).toBe(200);
    expect(reset.body.twoFactor).toBe(false);
    expect((await login(user)).status).toBe(200);
  });
});
