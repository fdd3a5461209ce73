// Every main action with JavaScript switched off, in a real browser against the real stack: sign in,
// announce a deposit (refused amounts explained on the page), confirm its receipt from the inbox,
// approve a withdrawal; and a change posted from another site gets a 403 page with a message.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestApp, TestUser } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

process.env.DEPOSIT_POLICY_JSON = JSON.stringify({ shortHoldMs: 1_000, longHoldMs: 1_500 });
// One approval is enough below 1 000 000.00: this test is about the form, not four eyes.
process.env.WITHDRAWAL_POLICY_JSON = JSON.stringify({
  fourEyesThreshold: { EUR: '1000000.00', USD: '1000000.00' },
});

describe('pages without JavaScript', () => {
  let stack: WebStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Signs in through the login form in a context where no script runs. */
  async function signInWithoutJs(user: TestUser): Promise<Page> {
    const page = await (await stack.browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(`${app.url}/login`);
    // No page script ran: Remix never hydrated (the same probe pages-security.test.ts uses the other way).
    expect(await page.evaluate(() => '__remixRouter' in window)).toBe(false);
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', user.password);
    const [post] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    expect(post.status()).toBe(302);
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    return page;
  }

  it('announces a deposit, shows refusals in words, and operations confirm it from the inbox', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');

    const clientPage = await signInWithoutJs(client);
    await clientPage.goto(`${app.url}/app/deposits`);
    // A comma is not a decimal point here: the page says what to type, not the schema's wording.
    await clientPage.fill('input[name=amount]', '12,50');
    await clientPage.click('button:has-text("Announce deposit")');
    const shapeError = await clientPage.textContent('#amount-error');
    expect(shapeError).toMatch(/^Enter an amount like 1250\.50/);
    expect(await clientPage.textContent('body')).not.toContain('decimal strings');
    // The example: far beyond any deposit, refused at the edge with the cap named.
    await clientPage.fill('input[name=amount]', '99999999999.00');
    await clientPage.click('button:has-text("Announce deposit")');
    expect(await clientPage.textContent('#amount-error')).toBe(
      'That amount is too large: enter at most 1,000,000,000.00 EUR.',
    );
    const { rows } = await app.pool.query(
      `SELECT 1 FROM lifecycle WHERE type = 'deposit' AND owner_id = $1`,
      [client.id],
    );
    expect(rows).toHaveLength(0);

    await clientPage.fill('input[name=amount]', '1250.50');
    await Promise.all([
      clientPage.waitForURL(/\/app\/deposits\/[^/]+$/),
      clientPage.click('button:has-text("Announce deposit")'),
    ]);
    const depositId = new URL(clientPage.url()).pathname.split('/').pop()!;
    expect(await clientPage.textContent('[data-testid=status]')).toBe('PENDING');
    expect(await clientPage.textContent('h1')).toContain('1,250.50 EUR');

    // Operations: claim in the inbox, open, confirm receipt — each a plain POST and redirect/render.
    const opsPage = await signInWithoutJs(ops);
    expect(new URL(opsPage.url()).pathname).toBe('/ops/tasks');
    // The inbox is shared with every other test file: this client's receipt task, found by its email.
    await opsPage.goto(
      `${app.url}/ops/tasks?kind=deposit.confirm_receipt&q=${encodeURIComponent(client.email)}`,
    );
    const row = opsPage.locator(
      `tr[data-subject-id="${depositId}"][data-task-kind="deposit.confirm_receipt"]`,
    );
    await row.locator('button', { hasText: 'Claim' }).click();
    await opsPage.locator('text=Task claimed').waitFor();
    expect(
      await opsPage.locator(`tr[data-subject-id="${depositId}"] [data-field=assignee]`).textContent(),
    ).toBe('claimed by you');
    await opsPage.goto(`${app.url}/ops/deposits/${depositId}`);
    await opsPage.fill('input[name=receivedAmount]', '1250.50');
    await opsPage.fill('input[name=senderCountry]', 'DE');
    await opsPage.click('button:has-text("Confirm receipt")');
    await opsPage.locator('text=Receipt confirmed.').waitFor();
    // The timeline names the person who confirmed, not an id.
    await opsPage.goto(`${app.url}/ops/deposits/${depositId}`);
    const timeline = await opsPage.textContent('ol.timeline');
    expect(timeline).toContain('Test operations'); // createUser's display name
    expect(timeline).not.toMatch(/operations [0-9a-f]{8}\b/);
    await clientPage.context().close();
    await opsPage.context().close();
  });

  it('approves a withdrawal with a plain form', async () => {
    const client = await app.createUser('client');
    const ops = await app.createUser('operations');
    await app.pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);
    const iban = `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`;
    const { rows } = await app.pool.query<{ id: string }>(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, $2, 'COBADEFFXXX', 'No-JS Client', 'Commerzbank', 'DE', 'VERIFIED') RETURNING id`,
      [client.id, iban],
    );
    const clientToken = (await app.login(client)).accessToken;
    const opsToken = (await app.login(ops)).accessToken;
    const announced = await app.api('/api/v1/deposits', {
      method: 'POST',
      token: clientToken,
      idempotencyKey: randomUUID(),
      json: { amount: '800.00', currency: 'EUR' },
    });
    expect(announced.status, announced.text).toBe(201);
    const confirmed = await app.api(`/api/v1/ops/deposits/${announced.body.id}/confirm`, {
      method: 'POST',
      token: opsToken,
      json: { receivedAmount: '800.00', senderCountry: 'DE', senderReference: announced.body.reference },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    await expect
      .poll(
        async () =>
          (await app.api(`/api/v1/deposits/${announced.body.id}`, { token: clientToken })).body.status,
        {
          timeout: 20_000,
          interval: 200,
        },
      )
      .toBe('CLEARED');
    const requested = await app.api('/api/v1/withdrawals', {
      method: 'POST',
      token: clientToken,
      idempotencyKey: randomUUID(),
      json: { amount: '300.00', currency: 'EUR', bankAccountId: rows[0]!.id },
    });
    expect(requested.status, requested.text).toBe(201);
    const withdrawalId = requested.body.id as string;
    await expect
      .poll(
        async () =>
          (await app.api(`/api/v1/withdrawals/${withdrawalId}`, { token: clientToken })).body.status,
        {
          timeout: 20_000,
          interval: 200,
        },
      )
      .toBe('PENDING_APPROVAL');

    const opsPage = await signInWithoutJs(ops);
    await opsPage.goto(`${app.url}/ops/withdrawals/${withdrawalId}`);
    const [post] = await Promise.all([
      opsPage.waitForResponse((response) => response.request().method() === 'POST'),
      opsPage.click('button:has-text("Approve withdrawal")'),
    ]);
    expect(post.status()).toBeLessThan(400);
    expect(await opsPage.textContent('body')).not.toContain('Something went wrong');
    await expect
      .poll(
        async () =>
          (await app.api(`/api/v1/withdrawals/${withdrawalId}`, { token: clientToken })).body.status,
        {
          timeout: 20_000,
          interval: 200,
        },
      )
      .toMatch(/^(PROCESSING|COMPLETED)$/);
    await opsPage.context().close();
  });

  it('answers a change from another site, or from an opaque origin, with a 403 page that says why', async () => {
    const client = await app.createUser('client');
    const page = await signInWithoutJs(client);
    for (const origin of ['https://evil.example', 'null']) {
      const answer = await page.request.post(`${app.url}/app/deposits`, {
        headers: { Origin: origin, 'Sec-Fetch-Site': 'cross-site' },
        form: { amount: '10.00', currency: 'EUR', idempotencyKey: randomUUID() },
        maxRedirects: 0,
      });
      expect(answer.status(), origin).toBe(403);
      expect(answer.headers()['content-type']).toMatch(/text\/html/);
      const body = await answer.text();
      expect(body).toMatch(/another site|opaque origin|may not change anything here/);
    }
    const { rows } = await app.pool.query(
      `SELECT 1 FROM lifecycle WHERE type = 'deposit' AND owner_id = $1`,
      [client.id],
    );
    expect(rows).toHaveLength(0);
    await page.context().close();
  });
});
