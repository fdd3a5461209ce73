// axe-core in a real browser over the pages people use most and the staff lists with sort headers,
// search and status filters: no serious or critical violation (labels, names, contrast, landmarks,
// ARIA), and the main actions reachable with the keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../api/testing.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { seriousViolations } from '../support/axe.js';
import { issueKeyTo } from '../support/market-maker.js';
import { apiAs } from '../support/transient.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

describe('accessibility', () => {
  let stack: WebStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('login, client and staff pages have no serious axe violation', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');
    const deposit = await apiAs(app, client, '/deposits', {
      method: 'POST',
      json: { amount: '99.00', currency: 'EUR' },
    });
    expect(deposit.status).toBe(201);

    const anonymous = await (await stack.browser.newContext()).newPage();
    await anonymous.goto(`${app.url}/login`);
    const found: Record<string, string[]> = { '/login': await seriousViolations(anonymous) };
    await anonymous.context().close();

    const clientPage = await stack.signIn(client);
    for (const path of ['/app/balances', '/app/deposits', `/app/deposits/${deposit.body.id}`]) {
      await clientPage.goto(`${app.url}${path}`);
      found[path] = await seriousViolations(clientPage);
    }
    const opsPage = await stack.signIn(ops);
    for (const path of [
      '/ops/tasks',
      '/ops/deposits',
      `/ops/deposits/${deposit.body.id}`,
      '/ops/dashboard',
      `/ops/clients/${client.id}/statement`,
    ]) {
      await opsPage.goto(`${app.url}${path}`);
      found[path] = await seriousViolations(opsPage);
    }
    expect(Object.fromEntries(Object.entries(found).filter(([, v]) => v.length > 0))).toEqual({});
    await clientPage.context().close();
    await opsPage.context().close();
  });

  it('the API-key, market-maker, instrument and notification lists have no serious axe violation', async () => {
    const admin = await app.createUser('admin');
    const maker = await app.createUser('client');
    await issueKeyTo(app, maker, 'axe bot');
    await ensureInstruments(app.pool);
    // One notification of the admin's own, unread, so the list shows a row and its read control.
    const event = await app.pool.query<{ id: string }>(
      `INSERT INTO outbox_event (type, owner_id, dispatched_at) VALUES ('task.overdue', $1, now()) RETURNING id`,
      [admin.id],
    );
    await app.pool.query(
      `INSERT INTO notification (event_id, user_id, type, title, body, link)
       VALUES ($1, $2, 'task.overdue', 'A task is overdue', 'It waits past its due time', '/ops/tasks')`,
      [event.rows[0]!.id, admin.id],
    );

    const page = await stack.signIn(admin);
    const found: Record<string, string[]> = {};
    // Each list as it opens and sorted by a header, searched or filtered (aria-sort, kept filters).
    for (const path of [
      '/ops/api-keys',
      '/ops/api-keys?status=active&sort=name&dir=desc',
      '/ops/market-makers',
      `/ops/market-makers?q=${encodeURIComponent(maker.email)}&sort=keys&dir=desc`,
      '/ops/instruments',
      '/ops/instruments?sort=symbol&dir=desc',
      '/ops/notifications',
      '/ops/notifications?status=unread&sort=title&dir=asc',
    ]) {
      expect((await page.goto(`${app.url}${path}`))?.status(), path).toBe(200);
      expect(await page.locator('table tbody tr').count(), path).toBeGreaterThan(0);
      found[path] = await seriousViolations(page);
    }
    expect(Object.fromEntries(Object.entries(found).filter(([, v]) => v.length > 0))).toEqual({});
    await page.context().close();
  });

  it('a deposit can be announced with the keyboard alone', async () => {
    const client = await app.createUser('client');
    const page = await stack.signIn(client);
    await page.goto(`${app.url}/app/deposits`);
    await page.focus('input[name=amount]');
    await page.keyboard.type('42.00');
    await page.keyboard.press('Tab'); // currency
    await page.keyboard.press('Tab'); // your reference
    await page.keyboard.press('Tab'); // the submit button
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Announce deposit');
    await Promise.all([page.waitForURL(/\/app\/deposits\/[^/]+$/), page.keyboard.press('Enter')]);
    expect(await page.textContent('[data-testid=status]')).toBe('PENDING');
    await page.context().close();
  });
});
