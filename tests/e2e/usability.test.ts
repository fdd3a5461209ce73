// The usability pages in a real browser: the deposit list's counts, search and CSV; people named
// instead of ids; money grouped; the dashboard's charts; the inbox count in the navigation; the
// confirmation step before a cancel; and /api/docs rendered from local files only. Screenshots in tmp/.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestUser } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-usability';

describe('usability pages', () => {
  let stack: WebStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function announce(client: TestUser, amount: string): Promise<{ id: string; reference: string }> {
    const token = (await app.login(client)).accessToken;
    const answer = await app.api('/api/v1/deposits', {
      method: 'POST',
      token,
      idempotencyKey: randomUUID(),
      json: { amount, currency: 'EUR' },
    });
    expect(answer.status, answer.text).toBe(201);
    return { id: answer.body.id, reference: answer.body.reference };
  }

  it('staff list: counts per status, search by reference and email, CSV of the filtered list, names not ids', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');
    const first = await announce(client, '1234567.80');
    await announce(client, '10.00');

    const page = await stack.signIn(ops);
    // The inbox count sits beside its link and counts the two new confirm-receipt tasks at least.
    expect(Number(await page.textContent('[data-testid=inbox-count]'))).toBeGreaterThanOrEqual(2);

    await page.goto(`${app.url}/ops/deposits?q=${encodeURIComponent(first.reference)}`);
    const rows = page.locator('tbody tr[data-deposit-id]');
    expect(await rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.getAttribute('data-deposit-id')).toBe(first.id);
    expect((await row.locator('td.num').first().textContent())?.trim()).toBe('1,234,567.80 EUR');
    expect(await row.textContent()).toContain('Test client');
    expect(await row.textContent()).not.toContain(client.id.slice(0, 8));

    await page.goto(`${app.url}/ops/deposits?status=PENDING&q=${encodeURIComponent(client.email)}`);
    expect(await page.locator('tbody tr[data-deposit-id]').count()).toBe(2);
    const pendingCount = Number(await page.textContent('.status-counts a[data-status=PENDING] .count'));
    expect(pendingCount).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: `${SCREENSHOTS}/ops-deposits.png`, fullPage: true });

    const csv = await page.request.get(`${app.url}/ops/deposits.csv?q=${encodeURIComponent(client.email)}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,created_at,client_email,client_id,currency,amount,received_amount,reference,status',
    );
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.startsWith(first.id))).toContain(
      `${client.email},${client.id},EUR,1234567.80`,
    );

    // A client may not download the staff list.
    const clientPage = await stack.signIn(client);
    const refused = await clientPage.request.get(`${app.url}/ops/deposits.csv`, { maxRedirects: 0 });
    expect(refused.status()).not.toBe(200);
    await clientPage.context().close();
    await page.context().close();
  });

  it('client deposit page: grouped amount, copyable IBAN and reference, stepper, and a cancel that asks first', async () => {
    const client = await app.createUser('client');
    const deposit = await announce(client, '2500.00');
    const page = await stack.signIn(client);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(`${app.url}/app/deposits/${deposit.id}`);
    await page.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
    expect(await page.textContent('h1')).toContain('2,500.00 EUR');
    expect(await page.getAttribute('.stepper [aria-current=step]', 'class')).toContain('current');
    await page.click('button[aria-label="Copy reference"]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(deposit.reference);
    // Times are shown in the viewer's zone once scripts run; the exact instant stays in the title.
    expect(await page.locator('ol.timeline time').first().getAttribute('title')).toMatch(/UTC$/);

    // The first button only asks; nothing is cancelled until the second one.
    await page.click('summary:has-text("Cancel this deposit")');
    await page.screenshot({ path: `${SCREENSHOTS}/app-deposit-confirm.png`, fullPage: true });
    expect(await page.textContent('[data-testid=status]')).toBe('PENDING');
    await page.click('button:has-text("Yes, cancel the deposit")');
    await page.locator('text=Deposit cancelled.').waitFor();
    await page.locator('[data-testid=status]', { hasText: 'CANCELLED' }).waitFor({ timeout: 15_000 });
    await page.context().close();
  });

  it('staff dashboard draws its charts and links the Temporal UI from a lifecycle page', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');
    const deposit = await announce(client, '75.00');
    const page = await stack.signIn(ops);
    await page.goto(`${app.url}/ops/dashboard`);
    expect(await page.locator('figure.chart svg[role=img]').count()).toBeGreaterThanOrEqual(5);
    expect(await page.textContent('body')).toContain('Open tasks by age');
    await page.screenshot({ path: `${SCREENSHOTS}/ops-dashboard.png`, fullPage: true });
    await page.goto(`${app.url}/ops/deposits/${deposit.id}`);
    const href = await page.getAttribute('a:has-text("Temporal UI")', 'href');
    expect(href).toBe(`http://localhost:8233/namespaces/default/workflows/deposit-${deposit.id}`);
    await page.context().close();
  });

  it('/api/docs renders the API reference from this server alone, with the authentication guide', async () => {
    const page = await (await stack.browser.newContext()).newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(app.url) && !request.url().startsWith('data:'))
        foreign.push(request.url());
    });
    const answer = await page.goto(`${app.url}/api/docs`);
    expect(answer?.status()).toBe(200);
    await page.locator('text=Authentication').first().waitFor({ timeout: 20_000 });
    await page.locator('text=/deposits').first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/api-docs.png` });
    expect(foreign).toEqual([]);
    const document = await page.request.get(`${app.url}/api/docs/openapi.json`);
    expect((await document.json()).info.description).toContain('X-API-Key');
    await page.context().close();
  });
});
