// Administration in a real browser against the real stack, JavaScript off: an admin invites a
// colleague on /admin/users, the invitation mail reaches the mail catcher through the outbox,
// queues and mailer, the colleague opens its link, sets a password on /set-password and signs in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestApp } from '../../api/testing.js';
import { closeNotificationConnections } from '../../api/services/notifications.js';
import { startNotifications, type RunningNotifications } from '../../activities/notifications/run.js';
import { createMailTransport } from '../../activities/notifications/email.js';
import { config } from '../../db/config.js';
import { createRedis } from '../../db/outbox/index.js';
import { startMailCatcher, type MailCatcher } from '../../scripts/mail-catcher.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

// The invitation mail goes through the outbox, the queue and the mailer: slow on a loaded machine.
vi.setConfig({ testTimeout: 180_000 });

process.env.QUEUE_PREFIX = `test-e2e-admin-${randomUUID()}`;

describe('administration in the browser', () => {
  let stack: WebStack;
  let app: TestApp;
  let catcher: MailCatcher;
  let notifications: RunningNotifications;
  const redis = createRedis();
  const owners = new Set<string>();
  const email = `colleague-${randomUUID()}@test.example`;

  beforeAll(async () => {
    stack = await startWebStack();
    ({ app } = stack);
    catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
    process.env.APP_URL = app.url;
    notifications = startNotifications({
      pool: app.pool,
      databaseUrl: config.databaseUrl,
      connection: redis,
      prefix: process.env.QUEUE_PREFIX,
      transport: createMailTransport(catcher.smtpUrl),
      pollMs: 100,
      ownerIds: () => [...owners],
    });
  });
  afterAll(async () => {
    await notifications?.stop();
    for (const queue of Object.values(notifications?.queues ?? {})) {
      await queue.obliterate({ force: true }).catch(() => undefined);
    }
    await redis.quit();
    await catcher?.close();
    await closeNotificationConnections();
    await stack?.stop();
  });

  it('invite → mail → set password → sign in, without JavaScript', async () => {
    const admin = await app.createUser('admin');
    const page = await stack.signIn(admin, { javaScriptEnabled: false });

    await page.goto(`${app.url}/admin/users`);
    const form = page.locator('[data-testid=invite]');
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=name]').fill('Casey Colleague');
    await form.locator('select[name=role]').selectOption('operations');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    await page.waitForSelector(`text=Invitation sent to ${email}`);
    await page.screenshot({ path: 'tmp/e2e-admin-users.png', fullPage: true });

    const { rows } = await app.pool.query<{ id: string }>('SELECT id FROM app_user WHERE email = $1', [
      email,
    ]);
    expect(rows).toHaveLength(1);
    owners.add(rows[0]!.id);
    const mail = await catcher.waitFor((m) => m.to.includes(email), 90_000);
    const link = /https?:\/\/\S+\/set-password\?token=[\w%-]+/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeTruthy();

    const colleague = await (await stack.browser.newContext({ javaScriptEnabled: false })).newPage();
    await colleague.goto(link!);
    await colleague.fill('input[name=password]', 'a long new password');
    await colleague.fill('input[name=repeat]', 'a long new password');
    await Promise.all([colleague.waitForURL(/\/login/), colleague.click('button[type=submit]')]);
    await colleague.fill('input[name=email]', email);
    await colleague.fill('input[name=password]', 'a long new password');
    await Promise.all([
      colleague.waitForURL((url) => !url.pathname.startsWith('/login')),
      colleague.click('button[type=submit]'),
    ]);
    expect(new URL(colleague.url()).pathname).toMatch(/^\/ops/);

    // The admin's list now shows the colleague as active.
    await page.goto(`${app.url}/admin/users?q=${encodeURIComponent(email)}`);
    expect(await page.textContent(`tr[data-email="${email}"]`)).toContain('active');
  });
});
