// The usability pages in a real browser: the deposit list's counts, search and CSV; people named
// instead of ids; money grouped; the dashboard's charts; the inbox count in the navigation; the
// confirmation step before a cancel; and /api/docs rendered from local files only. Screenshots in tmp/.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestUser } from '../../api/testing.js';
import { apiAs } from '../support/transient.js';
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
    const answer = await apiAs(app, client, '/deposits', {
      method: 'POST',
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

  /** `user` renamed, so a page that names them shows something no other test user is called. */
  async function named(user: TestUser, displayName: string): Promise<TestUser> {
    await app.pool.query(`UPDATE app_user SET display_name = $2 WHERE id = $1`, [user.id, displayName]);
    return user;
  }

  async function asStaff(user: TestUser, path: string, json: unknown) {
    const answer = await app.api(`/api/v1${path}`, {
      method: 'POST',
      token: (await app.login(user)).accessToken,
      json,
    });
    expect(answer.status, answer.text).toBeLessThan(300);
    return answer.body;
  }

  async function depositStatus(client: TestUser, id: string, status: string) {
    const token = (await app.login(client)).accessToken;
    await expect
      .poll(async () => (await app.api(`/api/v1/deposits/${id}`, { token })).body.status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(status);
  }

  // Recorded texts (a hold's reason, a second approval's summary) carry ids, edge decimals and ISO
  // instants; the pages must show a name, a grouped amount and a local time instead.
  it('timeline reasons and inbox summaries: people by name, grouped amounts, no raw ISO instants', async () => {
    const rawInstant = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
    const client = await app.createUser('client');
    const first = await named(await app.createUser('operations'), `Fiona First ${randomUUID().slice(0, 6)}`);
    const second = await app.createUser('operations');
    const aml = await app.createUser('aml_officer');
    await app.pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);

    // A deposit on hold: its reason reads "Received 2500.00 EUR; on hold until <ISO>".
    const held = await announce(client, '2500.00');
    await asStaff(first, `/ops/deposits/${held.id}/confirm`, {
      receivedAmount: '2500.00',
      senderCountry: 'DE',
    });
    await depositStatus(client, held.id, 'ON_HOLD');
    const clientPage = await stack.signIn(client);
    await clientPage.goto(`${app.url}/app/deposits/${held.id}`);
    await clientPage.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
    const timeline = clientPage.locator('ol.timeline');
    await timeline.locator('li[data-status=ON_HOLD]').waitFor();
    const heldText = (await timeline.textContent()) ?? '';
    expect(heldText).toContain('Received 2,500.00 EUR; on hold until');
    expect(heldText).not.toContain('2500.00 EUR');
    expect(heldText).not.toMatch(rawInstant);
    // Who confirmed the receipt, by name.
    expect(heldText).toContain('Fiona First');
    // The hold's end is a <Time>: the exact instant kept in its title.
    expect(
      await timeline.locator('li[data-status=ON_HOLD] div:last-child time').getAttribute('title'),
    ).toMatch(/UTC$/);
    await clientPage.context().close();

    // Funds for a withdrawal at the four-eyes threshold, the first approval by Fiona.
    const funded = await announce(client, '50000.00');
    await asStaff(first, `/ops/deposits/${funded.id}/confirm`, {
      receivedAmount: '50000.00',
      senderCountry: 'DE',
    });
    await depositStatus(client, funded.id, 'AML_REVIEW');
    await asStaff(aml, `/ops/deposits/${funded.id}/release`, { note: 'Known customer' });
    await depositStatus(client, funded.id, 'CLEARED');
    const iban = `DE89370400440${String(Date.now() % 1e9).padStart(9, '0')}`;
    const { rows } = await app.pool.query<{ id: string }>(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, $2, 'COBADEFFXXX', 'Usability Client', 'Commerzbank', 'DE', 'VERIFIED') RETURNING id`,
      [client.id, iban],
    );
    const withdrawal = await app.api('/api/v1/withdrawals', {
      method: 'POST',
      token: (await app.login(client)).accessToken,
      idempotencyKey: randomUUID(),
      json: { amount: '15000.00', currency: 'EUR', bankAccountId: rows[0]!.id },
    });
    expect(withdrawal.status, withdrawal.text).toBe(201);
    const withdrawalId = withdrawal.body.id as string;
    const clientToken = (await app.login(client)).accessToken;
    await expect
      .poll(
        async () =>
          (await app.api(`/api/v1/withdrawals/${withdrawalId}`, { token: clientToken })).body.status,
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe('PENDING_APPROVAL');
    await asStaff(first, `/ops/withdrawals/${withdrawalId}/approve`, { note: 'First approval' });

    // The second approver's inbox: "Second approval of withdrawal of 15,000.00 EUR (first approved by Fiona …)".
    const opsPage = await stack.signIn(second);
    const row = opsPage.locator(`tr[data-subject-id="${withdrawalId}"][data-task-kind="withdrawal.approve"]`);
    await expect
      .poll(
        async () => {
          await opsPage.goto(`${app.url}/ops/tasks?kind=withdrawal.approve`);
          return (await row.count()) > 0 ? await row.textContent() : '';
        },
        { timeout: 30_000, interval: 500 },
      )
      .toContain('first approved by Fiona First');
    const summary = (await row.textContent()) ?? '';
    expect(summary).toContain('15,000.00 EUR');
    expect(summary).not.toContain(first.id);
    expect(summary).not.toMatch(rawInstant);
    expect(summary).not.toMatch(/minor units/);
    await opsPage.screenshot({ path: `${SCREENSHOTS}/ops-inbox-named.png`, fullPage: true });
    await opsPage.context().close();
  });

  // Only a change that waits for a second admin (and is withdrawn again): the policy in force, which
  // other files of the run share, never changes here.
  it('policy page: one form and one reason per policy; limits from the table, not from the JSON', async () => {
    const admin = await app.createUser('admin');
    const page = await stack.signIn(admin);
    await page.goto(`${app.url}/admin/policies`);
    await page.waitForFunction(() => '__remixRouter' in window, undefined, { timeout: 10_000 });
    const card = page.locator('section[data-policy=deposit]');
    expect(await card.locator('form:has(textarea[name=policy])').count()).toBe(1);
    expect(await card.locator('input[name=reason]').count()).toBe(1);
    const json = card.locator('textarea[name=policy]');
    expect(JSON.parse(await json.inputValue())).not.toHaveProperty('maxAmount');
    await page.screenshot({ path: `${SCREENSHOTS}/admin-policies.png`, fullPage: true });

    const original = await json.inputValue();
    await json.fill(JSON.stringify({ ...JSON.parse(original), maxAmount: { EUR: '1.00' } }));
    await card.locator('button:has-text("Save the deposit policy")').click();
    await page.locator('text=Set the maximum amounts in the table above, not in the JSON.').waitFor();

    const reason = `usability ${randomUUID()}`;
    await page.goto(`${app.url}/admin/policies`);
    await card.locator('input[name="max.EUR"]').fill('123456.78');
    await card.locator('input[name=reason]').fill(reason);
    await card.locator('button:has-text("Save the deposit policy")').click();
    await page.locator('text=a second administrator must approve the deposit change').waitFor();
    const pending = card.locator('[role=status]', { hasText: reason });
    expect(await pending.textContent()).toContain('maxAmount.EUR');
    expect(await pending.textContent()).toContain('"123456.78"');
    await pending.locator('summary:has-text("Withdraw")').click();
    await pending.locator('button:has-text("Yes, withdraw it")').click();
    await page.locator('text=The deposit change is rejected.').waitFor();
    await page.goto(`${app.url}/admin/policies`);
    expect(await page.locator('section[data-policy=deposit]').textContent()).not.toContain(reason);
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
    // The renderer draws the whole reference in the browser: 14-19 s on a loaded 2-core machine.
    await page.locator('text=Authentication').first().waitFor({ timeout: 60_000 });
    await page.locator('text=/deposits').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/api-docs.png` });
    expect(foreign).toEqual([]);
    const document = await page.request.get(`${app.url}/api/docs/openapi.json`);
    expect((await document.json()).info.description).toContain('X-API-Key');
    await page.context().close();
  }, 120_000);
});
