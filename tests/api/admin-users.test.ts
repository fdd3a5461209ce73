// User administration over HTTP against the real app and PostgreSQL: invite (the set-password link
// in the outbox mail, then sign-in), search, role changes, disable/enable with the user's tokens
// refused at once, self-lockout refused, who may call, and the audit trail with before/after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp, type TestUser } from '../../api/testing.js';
import { closePool } from '../../db/pool.js';

let app: TestApp;
let admin: TestUser & { token: string };

async function signedIn(role: TestUser['role']) {
  const user = await app.createUser(role);
  return { ...user, token: (await app.login(user)).accessToken };
}

const as = (token: string | undefined, path: string, init: Parameters<TestApp['api']>[1] = {}) =>
  app.api(`/api/v1${path}`, { ...init, token });

/** The link of the newest direct mail of `type` to `userId` (the outbox row the mailer sends). */
async function mailedLink(userId: string, type: string): Promise<string> {
  const { rows } = await app.pool.query<{ data: { link: string } }>(
    `SELECT data FROM outbox_event WHERE owner_id = $1 AND type = $2 ORDER BY created_at DESC LIMIT 1`,
    [userId, type],
  );
  const link = rows[0]?.data.link;
  expect(link, `a ${type} mail`).toMatch(/^\/set-password\?token=/);
  return link!;
}

const tokenOf = (link: string) => new URL(link, 'http://x').searchParams.get('token')!;

beforeAll(async () => {
  app = await startTestApp({ apiRateLimitPerMinute: 0 });
  admin = await signedIn('admin');
});

afterAll(async () => {
  await app.close();
  await closePool();
});

describe('inviting', () => {
  it('creates an invited user with a set-password link that signs them in once set', async () => {
    const email = `Invited-${randomUUID()}@Test.Example`;
    const invited = await as(admin.token, '/admin/users', {
      method: 'POST',
      json: { email, role: 'operations', name: 'Ida Invited' },
    });
    expect(invited.status).toBe(201);
    expect(invited.body.user).toMatchObject({
      email: email.toLowerCase(),
      role: 'operations',
      status: 'invited',
      name: 'Ida Invited',
    });
    expect(Date.parse(invited.body.invitation.expiresAt)).toBeGreaterThan(Date.now() + 71 * 3_600_000);
    const userId = invited.body.user.id as string;

    // No password yet: nothing signs in.
    const before = await as(undefined, '/auth/login', {
      method: 'POST',
      json: { email, password: 'invited' },
    });
    expect(before.status).toBe(401);

    const token = tokenOf(await mailedLink(userId, 'user.invited'));
    const weak = await as(undefined, '/auth/password-reset/confirm', {
      method: 'POST',
      json: { token, password: 'short' },
    });
    expect(weak.status).toBe(400);
    const set = await as(undefined, '/auth/password-reset/confirm', {
      method: 'POST',
      json: { token, password: 'a brand new password' },
    });
    expect(set.status).toBe(204);
    const again = await as(undefined, '/auth/password-reset/confirm', {
      method: 'POST',
      json: { token, password: 'another new password' },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/not valid any more/);

    const login = await app.login({ email, password: 'a brand new password' });
    expect(login.user).toMatchObject({ id: userId, role: 'operations' });
    const listed = await as(admin.token, `/admin/users?q=${encodeURIComponent(email.slice(0, 20))}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: userId, status: 'active' })]);
    expect(listed.body.total).toBe(1);
  });

  it('refuses a taken email (409) and a bad body (400), creating nothing', async () => {
    const existing = await app.createUser('client');
    const taken = await as(admin.token, '/admin/users', {
      method: 'POST',
      json: { email: existing.email, role: 'client', name: 'Again' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');
    const bad = await as(admin.token, '/admin/users', {
      method: 'POST',
      json: { email: 'nope', role: 'boss', name: '' },
    });
    expect(bad.status).toBe(400);
  });

  it('is for admins only; auditors and operations get 403, strangers 401', async () => {
    const ops = await signedIn('operations');
    const auditor = await signedIn('auditor');
    expect((await as(ops.token, '/admin/users')).status).toBe(403);
    expect((await as(auditor.token, '/admin/users')).status).toBe(403);
    expect((await as(undefined, '/admin/users')).status).toBe(401);
    const body = { email: `x-${randomUUID()}@test.example`, role: 'admin', name: 'Sneaky' };
    expect((await as(ops.token, '/admin/users', { method: 'POST', json: body })).status).toBe(403);
  });
});

describe('role and access', () => {
  it('disabling ends the user’s access at once and enabling does not revive old tokens', async () => {
    const victim = await signedIn('operations');
    expect((await as(victim.token, '/me')).status).toBe(200);
    const disabled = await as(admin.token, `/admin/users/${victim.id}/disable`, { method: 'POST', json: {} });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    // Immediately, not after the 2-second cache: the admin's own process forgot the session.
    expect((await as(victim.token, '/me')).status).toBe(401);
    expect(
      (
        await as(undefined, '/auth/login', {
          method: 'POST',
          json: { email: victim.email, password: victim.password },
        })
      ).status,
    ).toBe(401);

    const enabled = await as(admin.token, `/admin/users/${victim.id}/enable`, { method: 'POST', json: {} });
    expect(enabled.body.status).toBe('active');
    expect((await as(victim.token, '/me')).status).toBe(401);
    expect((await app.login(victim)).user.id).toBe(victim.id);
    const twice = await as(admin.token, `/admin/users/${victim.id}/enable`, { method: 'POST', json: {} });
    expect(twice.status).toBe(409);
  });

  it('a role change takes effect on the next request and is audited with before and after', async () => {
    const user = await signedIn('operations');
    const changed = await as(admin.token, `/admin/users/${user.id}/role`, {
      method: 'POST',
      json: { role: 'aml_officer' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('aml_officer');
    // The old token claims `operations`: refused; a new sign-in carries the new role.
    expect((await as(user.token, '/me')).status).toBe(401);
    expect((await app.login(user)).user.role).toBe('aml_officer');
    const { rows } = await app.pool.query(
      `SELECT actor_id, before, after FROM audit_log WHERE action = 'admin.user_role' AND subject_id = $1`,
      [user.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_id: admin.id,
      before: { role: 'operations' },
      after: { role: 'aml_officer' },
    });
  });

  it('an admin cannot disable or demote themselves; another admin can', async () => {
    const self = await as(admin.token, `/admin/users/${admin.id}/disable`, { method: 'POST', json: {} });
    expect(self.status).toBe(403);
    const demote = await as(admin.token, `/admin/users/${admin.id}/role`, {
      method: 'POST',
      json: { role: 'operations' },
    });
    expect(demote.status).toBe(403);
    expect((await as(admin.token, '/me')).status).toBe(200);

    const second = await signedIn('admin');
    const byOther = await as(second.token, `/admin/users/${admin.id}/role`, {
      method: 'POST',
      json: { role: 'admin' },
    });
    expect(byOther.status).toBe(409); // already admin: nothing to change
    const unknown = await as(admin.token, `/admin/users/${randomUUID()}/disable`, {
      method: 'POST',
      json: {},
    });
    expect(unknown.status).toBe(404);
  });

  it('filters the list by role and status', async () => {
    const disabledUser = await app.createUser('auditor', { disabled: true });
    const page = await as(admin.token, '/admin/users?role=auditor&status=disabled&limit=200');
    expect(page.status).toBe(200);
    expect(page.body.items.map((u: { id: string }) => u.id)).toContain(disabledUser.id);
    for (const item of page.body.items) expect(item).toMatchObject({ role: 'auditor', status: 'disabled' });
  });
});
