// The notification centre in a real browser against the real stack (server with its pages, Temporal
// dev server, worker with the deposit workflow, PostgreSQL, Redis with this file's own queues, the
// outbox dispatcher and consumers of this file's people). A client's deposit clears: the bell of the
// client's open page (JavaScript on) counts up by itself over the SSE stream and the list shows the
// event; then, with JavaScript off, the client marks one read and then all read by plain form posts.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestUser } from '../../api/testing.js';
import { closeNotificationConnections } from '../../api/services/notifications.js';
import { startNotifications, type RunningNotifications } from '../../activities/notifications/run.js';
import { config } from '../../db/config.js';
import { createRedis } from '../../db/outbox/index.js';
import { TEST_DEPOSIT_POLICY } from '../api/helpers.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

// Holds of seconds, so a confirmed deposit clears while the test watches.
process.env.DEPOSIT_POLICY_JSON = JSON.stringify(TEST_DEPOSIT_POLICY);
// The local receiver of the delivery-log check may be a target; two quick attempts before DEAD.
process.env.WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';
// This file's queues, for the consumers here and for the server's producer side (redeliver).
process.env.QUEUE_PREFIX = `test-e2e-notifications-${randomUUID()}`;
process.env.WEBHOOK_POLICY_JSON = JSON.stringify({ attempts: 2, backoffFirstMs: 100, backoffMaxMs: 200 });

describe('notification centre in the browser', () => {
  let stack: WebStack;
  let app: TestApp;
  let notifications: RunningNotifications;
  const redis = createRedis();
  /** This file's people: its dispatcher takes only their events (other files share the database). */
  const owners = new Set<string>();

  beforeAll(async () => {
    stack = await startWebStack();
    ({ app } = stack);
    notifications = startNotifications({
      pool: app.pool,
      databaseUrl: config.databaseUrl,
      connection: redis,
      prefix: process.env.QUEUE_PREFIX,
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
    await closeNotificationConnections();
    await stack?.stop();
  });

  const bellCount = async (page: Page) => Number(await page.textContent('[data-testid=unread-count]'));

  async function unreadInDatabase(userId: string): Promise<number> {
    const rows = await app.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM notification WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return Number(rows.rows[0]?.n ?? 0);
  }

  /** Announced by the client and confirmed by operations through the API; the short hold clears it. */
  async function depositThatClears(client: TestUser, ops: TestUser): Promise<string> {
    const clientToken = (await app.login(client)).accessToken;
    const announced = await app.api('/api/v1/deposits', {
      method: 'POST',
      json: { amount: '250.00', currency: 'EUR' },
      token: clientToken,
      idempotencyKey: randomUUID(),
    });
    expect(announced.status, announced.text).toBe(201);
    const deposit = announced.body as { id: string; reference: string };
    const confirmed = await app.api(`/api/v1/ops/deposits/${deposit.id}/confirm`, {
      method: 'POST',
      json: { receivedAmount: '250.00', senderCountry: 'DE', senderReference: deposit.reference },
      token: (await app.login(ops)).accessToken,
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    return deposit.id;
  }

  it('a cleared deposit raises the bell live and shows in the list; marked read without JavaScript', async () => {
    const client = await app.createUser('client');
    owners.add(client.id);
    const ops = await app.createUser('operations');

    // With JavaScript: the bell starts at the rendered 0 and goes live.
    const livePage = await stack.signIn(client);
    await livePage.goto(`${app.url}/app/balances`);
    await livePage.locator('[data-testid=notification-bell][data-live=true]').waitFor({ timeout: 10_000 });
    expect(await bellCount(livePage)).toBe(0);
    // A marker on the window: still there afterwards means the count changed without a reload.
    await livePage.evaluate(() => ((window as unknown as { bellMarker: number }).bellMarker = 1));

    const depositId = await depositThatClears(client, ops);
    await expect
      .poll(
        () =>
          app.pool
            .query(`SELECT 1 FROM notification WHERE user_id = $1 AND type = 'deposit.cleared'`, [client.id])
            .then((r) => r.rowCount),
        { timeout: 30_000, interval: 200 },
      )
      .toBe(1);
    const unread = await unreadInDatabase(client.id);
    expect(unread).toBeGreaterThanOrEqual(2); // at least deposit.pending and deposit.cleared
    await livePage.waitForFunction(
      (n) => document.querySelector('[data-testid=unread-count]')?.textContent === String(n),
      unread,
      { timeout: 10_000 },
    );
    expect(await livePage.evaluate(() => (window as unknown as { bellMarker?: number }).bellMarker)).toBe(1);

    // The bell links to the list, which shows the cleared deposit unread, linked to the deposit.
    await Promise.all([
      livePage.waitForURL(/\/app\/notifications$/),
      livePage.click('[data-testid=notification-bell]'),
    ]);
    const clearedRow = livePage.locator('tr[data-type="deposit.cleared"]');
    await clearedRow.waitFor();
    expect(await clearedRow.getAttribute('data-read')).toBe('false');
    expect(await clearedRow.locator('a', { hasText: 'Open' }).getAttribute('href')).toBe(
      `/app/deposits/${depositId}`,
    );

    // Without JavaScript: the count is the page's; mark the cleared one read by a form post.
    const plainPage = await stack.signIn(client, { javaScriptEnabled: false });
    await plainPage.goto(`${app.url}/app/notifications`);
    expect(await bellCount(plainPage)).toBe(unread);
    expect(await plainPage.getAttribute('[data-testid=notification-bell]', 'href')).toBe(
      '/app/notifications',
    );
    await Promise.all([
      plainPage.waitForLoadState('load'),
      plainPage.locator('tr[data-type="deposit.cleared"] button', { hasText: 'Mark read' }).click(),
    ]);
    await plainPage.locator('text=Marked read.').waitFor();
    expect(await plainPage.getAttribute('tr[data-type="deposit.cleared"]', 'data-read')).toBe('true');
    expect(await bellCount(plainPage)).toBe(unread - 1);
    expect(await unreadInDatabase(client.id)).toBe(unread - 1);

    // The JavaScript tab hears that too, without a reload.
    await livePage.waitForFunction(
      (n) => document.querySelector('[data-testid=unread-count]')?.textContent === String(n),
      unread - 1,
      { timeout: 10_000 },
    );

    // Mark all read, then the bell is 0 and every row is read.
    await plainPage.click('button:has-text("Mark all read")');
    await plainPage.locator('text=All marked read.').waitFor();
    expect(await bellCount(plainPage)).toBe(0);
    expect(await plainPage.locator('tr[data-read=false]').count()).toBe(0);
    expect(await unreadInDatabase(client.id)).toBe(0);
  });

  it('saves preferences and manages a webhook endpoint without JavaScript', async () => {
    const client = await app.createUser('client');
    owners.add(client.id);
    const page = await stack.signIn(client, { javaScriptEnabled: false });

    // Preferences: mail for cleared deposits, nothing in the list for rejected ones.
    await page.goto(`${app.url}/app/notifications`);
    await page.check('input[name="email:deposit.cleared"]');
    await page.uncheck('input[name="inApp:deposit.rejected"]');
    await page.selectOption('select[name=locale]', 'de-DE');
    await page.click('button:has-text("Save preferences")');
    await page.locator('text=Preferences saved.').waitFor();
    const stored = await app.api('/api/v1/notification-preferences', {
      token: (await app.login(client)).accessToken,
    });
    expect(stored.body.locale).toBe('de-DE');
    expect(stored.body.types['deposit.cleared']).toEqual({ inApp: true, email: true });
    expect(stored.body.types['deposit.rejected']).toEqual({ inApp: false, email: false });
    expect(await page.isChecked('input[name="email:deposit.cleared"]')).toBe(true);

    // Webhooks: a private target is refused in words; a public one is registered with its secret once.
    await page.goto(`${app.url}/app/webhooks`);
    await page.fill('input[name=url]', 'http://169.254.169.254/latest/meta-data');
    await page.check('input[name=events][value="deposit.cleared"]');
    await page.click('button:has-text("Register endpoint")');
    await page.locator('.error[role=alert]').waitFor();
    expect(await page.locator('[data-endpoint-id]').count()).toBe(0);

    await page.fill('input[name=url]', 'https://93.184.215.14/hook');
    await page.check('input[name=events][value="deposit.cleared"]');
    await page.fill('input[name=patterns]', 'order.*');
    await page.click('button:has-text("Register endpoint")');
    const secret = (await page.textContent('[data-testid=webhook-secret] code'))?.trim() ?? '';
    expect(secret).toMatch(/^whsec_/);
    const card = page.locator('[data-endpoint-id]');
    expect(await card.count()).toBe(1);
    expect(await card.textContent()).toContain('deposit.cleared, order.*');
    // Shown once: opening the page again (a GET) no longer has it.
    await page.goto(`${app.url}/app/webhooks`);
    expect(await page.locator('[data-testid=webhook-secret]').count()).toBe(0);

    await page.click('button:has-text("Rotate secret")');
    const rotated = (await page.textContent('[data-testid=webhook-secret] code'))?.trim() ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(await page.textContent('[data-endpoint-id]')).toContain('previous secret signs until');

    // Deleting asks first: the summary only opens the question, nothing is deleted yet.
    await page.click('summary:has-text("Delete")');
    expect(await page.locator('[data-endpoint-id]').count()).toBe(1);
    await page.click('button:has-text("Yes, delete the endpoint")');
    await page.locator('text=Endpoint deleted.').waitFor();
    expect(await page.locator('[data-endpoint-id]').count()).toBe(0);
  });

  it('lists deliveries with their status codes and redelivers a dead one', async () => {
    let answer = 500;
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    try {
      const client = await app.createUser('client');
      owners.add(client.id);
      const ops = await app.createUser('operations');
      const page = await stack.signIn(client, { javaScriptEnabled: false });
      await page.goto(`${app.url}/app/webhooks`);
      await page.fill('input[name=url]', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
      await page.check('input[name=events][value="deposit.cleared"]');
      await page.click('button:has-text("Register endpoint")');
      await page.locator('[data-testid=webhook-secret]').waitFor();

      await depositThatClears(client, ops);
      const row = page.locator('tr[data-delivery-id]');
      await expect
        .poll(
          async () => {
            await page.goto(`${app.url}/app/webhooks`);
            return row.getAttribute('data-status', { timeout: 1000 }).catch(() => null);
          },
          { timeout: 30_000, interval: 300 },
        )
        .toBe('DEAD');
      expect(await row.locator('[data-field=status-code]').textContent()).toBe('500');

      answer = 200;
      await page.click('tr[data-delivery-id] button:has-text("Redeliver")');
      await page.locator('text=Redelivery queued.').waitFor();
      await expect
        .poll(
          async () => {
            await page.goto(`${app.url}/app/webhooks`);
            return row.getAttribute('data-status', { timeout: 1000 }).catch(() => null);
          },
          { timeout: 20_000, interval: 300 },
        )
        .toBe('DELIVERED');
      expect(await row.locator('[data-field=status-code]').textContent()).toBe('200');
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
