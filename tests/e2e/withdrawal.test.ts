// A withdrawal in a real browser against the real stack: pages served by the server, Temporal dev
// server, worker (simulated bank), PostgreSQL. A funded client with approved KYC and a verified
// account requests a withdrawal above the four-eyes threshold; two different members of staff
// approve it in their pages; the client's open page turns COMPLETED by itself and the balance fell.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestUser } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';
import { trialBalance } from '../../db/ledger/index.js';

// Seconds, not days; and a low four-eyes threshold so a 2 500.00 EUR withdrawal needs two approvers.
process.env.DEPOSIT_POLICY_JSON = JSON.stringify({ shortHoldMs: 1_000, longHoldMs: 1_500 });
process.env.WITHDRAWAL_POLICY_JSON = JSON.stringify({
  fourEyesThreshold: { EUR: '1000.00', USD: '1000.00' },
});

describe('withdrawal in the browser', () => {
  let stack: WebStack;
  let app: TestApp;
  let signIn: WebStack['signIn'];

  beforeAll(async () => {
    stack = await startWebStack();
    ({ app, signIn } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Funds `client` through the deposit lifecycle over the API: announce, confirm, cleared by the timer. */
  async function fund(client: TestUser, ops: TestUser, amount: string): Promise<void> {
    const clientToken = (await app.login(client)).accessToken;
    const opsToken = (await app.login(ops)).accessToken;
    const announced = await app.api('/api/v1/deposits', {
      method: 'POST',
      token: clientToken,
      idempotencyKey: randomUUID(),
      json: { amount, currency: 'EUR' },
    });
    expect(announced.status, announced.text).toBe(201);
    const confirmed = await app.api(`/api/v1/ops/deposits/${announced.body.id}/confirm`, {
      method: 'POST',
      token: opsToken,
      json: { receivedAmount: amount, senderCountry: 'DE', senderReference: announced.body.reference },
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
  }

  it('client requests 2 500.00 EUR, two different staff approve, the timeline shows COMPLETED and the balance fell', async () => {
    const client = await app.createUser('client');
    const ops1 = await app.createUser('operations');
    const ops2 = await app.createUser('operations');

    // Set-up: approved KYC, a verified account, 3 000.00 EUR cleared through a real deposit.
    await app.pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);
    const iban = `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`;
    await app.pool.query(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, $2, 'COBADEFFXXX', 'E2E Client', 'Commerzbank', 'DE', 'VERIFIED')`,
      [client.id, iban],
    );
    await fund(client, ops1, '3000.00');

    // Client: the form shows the available balance and the verified account; request 2 500.00 EUR.
    const clientPage = await signIn(client);
    await clientPage.goto(`${app.url}/app/withdrawals`);
    expect((await clientPage.textContent('[data-testid=available-EUR]'))?.trim()).toBe('3,000.00 EUR');
    expect(await clientPage.locator('select[name=bankAccountId] option').count()).toBe(1);
    // Too much first: refused in words, nothing created.
    await clientPage.fill('input[name=amount]', '5000.00');
    await clientPage.click('button:has-text("Request withdrawal")');
    await clientPage.locator('text=Your available balance does not cover this amount.').waitFor();
    await clientPage.fill('input[name=amount]', '2500.00');
    await clientPage.selectOption('select[name=currency]', 'EUR');
    await Promise.all([
      clientPage.waitForURL(/\/app\/withdrawals\/[^/]+$/),
      clientPage.click('button:has-text("Request withdrawal")'),
    ]);
    const withdrawalId = new URL(clientPage.url()).pathname.split('/').pop()!;
    expect(await clientPage.textContent('[data-testid=status]')).toBe('PENDING_APPROVAL');
    expect(await clientPage.textContent('[data-testid=approvals]')).toBe('0 of 2');
    await clientPage.locator('text=Live: this page updates by itself.').waitFor({ timeout: 10_000 });

    // First approver: from the inbox to the withdrawal page; approve.
    const opsPage = await signIn(ops1);
    await opsPage.goto(`${app.url}/ops/tasks`);
    const row = opsPage.locator(`tr[data-subject-id="${withdrawalId}"][data-task-kind="withdrawal.approve"]`);
    await row.waitFor();
    await Promise.all([
      opsPage.waitForURL(new RegExp(`/ops/withdrawals/${withdrawalId}$`)),
      row.locator('a', { hasText: 'Open' }).click(),
    ]);
    expect(await opsPage.textContent('[data-testid=approval-summary]')).toContain('2 approvals needed');
    await opsPage.fill('form[aria-label=Approve] input[name=note]', 'Payee matches KYC');
    await opsPage.click('button:has-text("Approve withdrawal")');
    await opsPage.locator('text=Approved.').waitFor();
    await opsPage
      .locator('[data-testid=approval-summary]', { hasText: 'A second approver is needed.' })
      .waitFor();
    await opsPage
      .locator('text=You have approved; a different person must give the second approval.')
      .waitFor();
    // The same person cannot approve twice: the page offers no approve button any more.
    expect(await opsPage.locator('button:has-text("Approve withdrawal")').count()).toBe(0);
    expect(await clientPage.textContent('[data-testid=status]')).toBe('PENDING_APPROVAL');

    // Second, different approver.
    const ops2Page = await signIn(ops2);
    await ops2Page.goto(`${app.url}/ops/withdrawals/${withdrawalId}`);
    await ops2Page
      .locator('[data-testid=approval-summary]', { hasText: 'A second approver is needed.' })
      .waitFor();
    expect(await ops2Page.textContent('[data-testid=approvals]')).toContain('Payee matches KYC');
    await ops2Page.click('button:has-text("Approve withdrawal")');
    await ops2Page.locator('text=Approved.').waitFor();

    // Client: the open page turns COMPLETED without a reload, with every transition listed.
    await clientPage.locator('[data-testid=status]', { hasText: 'COMPLETED' }).waitFor({ timeout: 20_000 });
    const statuses = await clientPage
      .locator('ol.timeline li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
    expect(statuses).toEqual(['PENDING_APPROVAL', 'PENDING_APPROVAL', 'PROCESSING', 'COMPLETED']);
    expect(await clientPage.textContent('[data-testid=approvals]')).toBe('2 of 2');
    // Who acted is named (the approvers arrived live; the page looked their names up), never an id.
    await app.pool.query('UPDATE app_user SET display_name = $1 WHERE id = $2', ['Olga Approver', ops2.id]);
    await clientPage.reload();
    const timeline = (await clientPage.textContent('ol.timeline')) ?? '';
    expect(timeline).toContain('Olga Approver');
    expect(timeline).not.toContain(ops2.id);
    expect(timeline).not.toContain('unknown user');

    await clientPage.goto(`${app.url}/app/balances`);
    expect((await clientPage.textContent('tr[data-asset=EUR] [data-field=available]'))?.trim()).toBe(
      '500.00 EUR',
    );
    await clientPage.goto(`${app.url}/app/withdrawals`);
    expect((await clientPage.textContent('[data-testid=available-EUR]'))?.trim()).toBe('500.00 EUR');
    await clientPage.locator(`tr[data-withdrawal-id="${withdrawalId}"]`, { hasText: 'COMPLETED' }).waitFor();

    // Another client cannot see it: a 404 page, not an error.
    const stranger = await signIn(await app.createUser('client'));
    const response = await stranger.goto(`${app.url}/app/withdrawals/${withdrawalId}`);
    expect(response?.status()).toBe(404);

    const paid = await app.pool.query(
      'SELECT count(*)::int AS n FROM simulated_bank_payout WHERE iban = $1',
      [iban],
    );
    expect(paid.rows[0].n).toBe(1);
    const balance = await trialBalance(app.pool);
    expect(balance.balanced).toBe(true);
    expect(balance.accountsMatchLines).toBe(true);
  });
});
