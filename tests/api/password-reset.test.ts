// Password reset by email over HTTP: 202 whatever the email, a single-use link in the outbox mail
// for a real account only, the newest link alone works, the new password signs in, the old one and
// every old session stop working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../api/testing.js';
import { closePool } from '../../db/pool.js';

let app: TestApp;

const post = (path: string, json: unknown, token?: string) =>
  app.api(`/api/v1${path}`, { method: 'POST', json, token });

async function resetMails(userId: string): Promise<string[]> {
  const { rows } = await app.pool.query<{ data: { link: string } }>(
    `SELECT data FROM outbox_event WHERE owner_id = $1 AND type = 'user.password_reset' ORDER BY created_at`,
    [userId],
  );
  return rows.map((row) => new URL(row.data.link, 'http://x').searchParams.get('token')!);
}

beforeAll(async () => {
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
});

afterAll(async () => {
  await app.close();
  await closePool();
});

describe('password reset', () => {
  it('answers 202 for unknown and disabled emails and mails nothing', async () => {
    expect(
      (await post('/auth/password-reset', { email: `nobody-${randomUUID()}@test.example` })).status,
    ).toBe(202);
    const disabled = await app.createUser('client', { disabled: true });
    expect((await post('/auth/password-reset', { email: disabled.email })).status).toBe(202);
    expect(await resetMails(disabled.id)).toEqual([]);
    expect((await post('/auth/password-reset', {})).status).toBe(400);
  });

  it('mails a link; only the newest works, once; the new password signs in and old sessions end', async () => {
    const user = await app.createUser('client');
    const session = await app.login(user);
    expect((await post('/auth/password-reset', { email: user.email.toUpperCase() })).status).toBe(202);
    expect((await post('/auth/password-reset', { email: user.email })).status).toBe(202);
    const [first, second] = await resetMails(user.id);
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(first).not.toBe(second);

    const stale = await post('/auth/password-reset/confirm', {
      token: first,
      password: 'my fresh password 1',
    });
    expect(stale.status).toBe(400);
    const forged = await post('/auth/password-reset/confirm', {
      token: 'x'.repeat(43),
      password: 'my fresh password 1',
    });
    expect(forged.status).toBe(400);
    expect(
      (await post('/auth/password-reset/confirm', { token: second, password: 'my fresh password 1' })).status,
    ).toBe(204);
    expect(
      (await post('/auth/password-reset/confirm', { token: second, password: 'my fresh password 2' })).status,
    ).toBe(400);

    expect((await post('/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    expect((await post('/auth/login', { email: user.email, password: 'my fresh password 1' })).status).toBe(
      200,
    );
    // The session from before the reset: its access token and its refresh token are dead.
    expect((await app.api('/api/v1/me', { token: session.accessToken })).status).toBe(401);
    expect((await post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
  });

  it('refuses an expired link', async () => {
    const user = await app.createUser('client');
    await post('/auth/password-reset', { email: user.email });
    const [token] = await resetMails(user.id);
    await app.pool.query(
      `UPDATE user_token SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    expect(
      (await post('/auth/password-reset/confirm', { token, password: 'my fresh password 1' })).status,
    ).toBe(400);
    expect((await post('/auth/login', { email: user.email, password: user.password })).status).toBe(200);
  });
});
