// Trading in a real browser against the real stack (server with its pages, Temporal dev server,
// worker with the order workflow, the internal venue in PostgreSQL). The buyer's browser has
// JavaScript switched OFF: every step is a plain form post and a redirect. A LIMIT order goes
// through preview and confirm, a second client crosses it, the buyer sees the fill, cancels the
// rest after a confirmation, finds the position on the portfolio; staff halt the instrument and the
// buyer's next order is refused in words.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockInstruments } from '../support/instrument-lock.js';
import type { TestApp, TestUser } from '../../api/testing.js';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  postEntry,
  trialBalance,
} from '../../db/ledger/index.js';
import { ensureInstruments, setInstrumentStatus } from '../../db/venue/index.js';
import { depositClear, depositConfirm, registryTransferIn } from '../../domain/postings.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

// Trading around the clock in this test, whatever hours the default policy names.
process.env.TRADING_POLICY_JSON = JSON.stringify({ tradingHours: { kind: 'always' } });

// Screenshots of the main steps, for a person to look at (gitignored).
const SCREENSHOTS = 'tmp/e2e-screenshots';

describe('trading in the browser', () => {
  let stack: WebStack;
  let app: TestApp;
  let releaseInstruments: () => Promise<void>;

  beforeAll(async () => {
    // Other test files trade EUA too: this file has its book to itself while it runs.
    releaseInstruments = await lockInstruments(['EUA']);
    stack = await startWebStack();
    ({ app } = stack);
    // The server writes the catalogue at start (api/server.ts); the in-process test app does not.
    await ensureInstruments(app.pool);
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    // The test halts EUA on its way; whatever happened, it leaves EUA open for the other files.
    if (app) await setInstrumentStatus(app.pool, 'EUA', 'OPEN', null).catch(() => undefined);
    await stack?.stop();
    await releaseInstruments?.();
  });

  /** A KYC-approved client with cash (a confirmed and cleared deposit) or certificates (a registry transfer in). */
  async function tradingClient(funds: { eur?: bigint; eua?: bigint }): Promise<TestUser> {
    const client = await app.createUser('client');
    await app.pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);
    await ensureSystemAccounts(app.pool);
    if (funds.eur) {
      await ensureClientAccounts(app.pool, client.id, 'EUR');
      await postEntry(app.pool, {
        idempotencyKey: `e2e/${client.id}/confirm`,
        ...depositConfirm(client.id, 'EUR', funds.eur),
      });
      await postEntry(app.pool, {
        idempotencyKey: `e2e/${client.id}/clear`,
        ...depositClear(client.id, 'EUR', funds.eur),
      });
    }
    if (funds.eua) {
      await ensureClientAccounts(app.pool, client.id, 'EUA');
      await postEntry(app.pool, {
        idempotencyKey: `e2e/${client.id}/eua`,
        ...registryTransferIn(client.id, 'EUA', funds.eua, `E2E-${client.id.slice(0, 8)}`),
      });
    }
    return client;
  }

  async function ticket(
    page: Page,
    order: { side: 'BUY' | 'SELL'; quantity: string; price: string; timeInForce?: string },
  ) {
    await page.goto(`${app.url}/app/trade/EUA`);
    await page.check(`input[name=side][value=${order.side}]`);
    await page.selectOption('select[name=type]', 'LIMIT');
    await page.selectOption('select[name=timeInForce]', order.timeInForce ?? 'GTC');
    await page.fill('input[name=quantity]', order.quantity);
    await page.fill('input[name=price]', order.price);
    await page.click('button:has-text("Preview order")');
    await page.locator('[data-testid=order-preview]').waitFor();
  }

  it('places, fills, amends, cancels and halts — the buyer without JavaScript', async () => {
    const buyer = await tradingClient({ eur: 1_000_000n }); // 10 000.00 EUR
    const seller = await tradingClient({ eua: 500n });
    const ops = await app.createUser('operations');

    // Buyer (no JavaScript): BUY 10 EUA at 69.50 — preview first, nothing placed yet.
    const buyerPage = await stack.signIn(buyer, { javaScriptEnabled: false });
    await ticket(buyerPage, { side: 'BUY', quantity: '10', price: '69.50' });
    const preview = buyerPage.locator('[data-testid=order-preview]');
    expect(await preview.locator('[data-field=notional]').textContent()).toContain('695.00 EUR');
    expect(await preview.locator('[data-field=available-after]').textContent()).toMatch(
      /^9,\d{3}\.\d{2} EUR$/,
    );
    await buyerPage.screenshot({ path: `${SCREENSHOTS}/trading-preview.png`, fullPage: true });
    const before = await app.api('/api/v1/orders', { token: (await app.login(buyer)).accessToken });
    expect(before.body.items).toHaveLength(0);

    // Confirm: the form posts and redirects to the order's page.
    await Promise.all([
      buyerPage.waitForURL(/\/app\/orders\/[0-9a-f-]{36}$/),
      buyerPage.click('button:has-text("Confirm order")'),
    ]);
    const orderId = new URL(buyerPage.url()).pathname.split('/').pop()!;
    expect(['ROUTED', 'VALIDATED', 'NEW']).toContain(await buyerPage.textContent('[data-testid=status]'));

    // My orders lists it, resting.
    await buyerPage.goto(`${app.url}/app/orders`);
    const row = buyerPage.locator(`tr[data-order-id="${orderId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('ROUTED');
    // Filters live in the URL: a FILLED-only list does not show it.
    await buyerPage.goto(`${app.url}/app/orders?status=FILLED`);
    expect(await buyerPage.locator(`tr[data-order-id="${orderId}"]`).count()).toBe(0);

    // Seller (JavaScript on) watches the book live in one tab and crosses 4 of the 10 in another.
    const sellerPage = await stack.signIn(seller);
    const watchPage = await sellerPage.context().newPage();
    await watchPage.goto(`${app.url}/app/trade/EUA`);
    await watchPage.locator('text=Live: book and trades update by themselves.').waitFor({ timeout: 10_000 });
    expect(await watchPage.textContent('[data-testid=book]')).toContain('10 EUA');
    // (Other test files trade EUA in the same database, so the recent trades need not be empty.)
    await ticket(sellerPage, { side: 'SELL', quantity: '4', price: '69.50' });
    await Promise.all([
      sellerPage.waitForURL(/\/app\/orders\/[0-9a-f-]{36}$/),
      sellerPage.click('button:has-text("Confirm order")'),
    ]);
    await sellerPage.locator('[data-testid=status]', { hasText: 'FILLED' }).waitFor({ timeout: 20_000 });
    // The watching tab followed the market stream without a reload: 6 left, one trade printed.
    await watchPage.locator('[data-testid=book]', { hasText: '6 EUA' }).waitFor({ timeout: 10_000 });
    await watchPage.locator('[data-testid=recent-trades]', { hasText: '69.50 EUR' }).waitFor();

    // Buyer: a reload shows the fill (no JavaScript, no meta refresh: the current state on each load).
    await expect
      .poll(
        async () => {
          await buyerPage.goto(`${app.url}/app/orders/${orderId}`);
          return buyerPage.textContent('[data-testid=status]');
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe('PARTIALLY_FILLED');
    expect(await buyerPage.textContent('[data-testid=filled]')).toContain('4 EUA at an average 69.50 EUR');
    expect(await buyerPage.locator('[data-testid=fills] tbody tr[data-trade-id]').count()).toBe(1);
    await buyerPage.screenshot({ path: `${SCREENSHOTS}/trading-order-filled.png`, fullPage: true });

    // The trading page's book has the 6 left at 69.50; Trades lists the execution.
    await buyerPage.goto(`${app.url}/app/trade/EUA`);
    expect(await buyerPage.textContent('[data-testid=book]')).toContain('6 EUA');
    expect(await buyerPage.textContent('[data-testid=last-price]')).toBe('69.50 EUR');
    await buyerPage.screenshot({ path: `${SCREENSHOTS}/trading-book.png`, fullPage: true });
    await buyerPage.goto(`${app.url}/app/trades`);
    expect(await buyerPage.locator('[data-testid=trades] tbody tr[data-trade-id]').count()).toBe(1);
    expect(await buyerPage.textContent('[data-testid=trades]')).toContain('278.00 EUR');

    // Amend the order down to 8 in all (a lower quantity keeps its place): 4 stay open.
    await buyerPage.goto(`${app.url}/app/orders/${orderId}`);
    await buyerPage.fill('form[aria-label="Amend order"] input[name=quantity]', '8');
    await buyerPage.click('form[aria-label="Amend order"] button:has-text("Amend")');
    await buyerPage.locator('text=Order amended.').waitFor();
    await expect
      .poll(
        async () => {
          await buyerPage.goto(`${app.url}/app/orders/${orderId}`);
          return buyerPage.textContent('[data-testid=open]');
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe('4 EUA');

    // Cancel from My orders: a first click asks, the second cancels.
    await buyerPage.goto(`${app.url}/app/orders`);
    await buyerPage.click(`tr[data-order-id="${orderId}"] a:has-text("Cancel…")`);
    await buyerPage.locator('[aria-label="Confirm cancellation"]').waitFor();
    expect(await buyerPage.textContent('[aria-label="Confirm cancellation"]')).toContain('4 EUA');
    await buyerPage.click('button:has-text("Yes, cancel the order")');
    await buyerPage.locator('text=Order cancelled; its reservation is released.').waitFor();
    await expect
      .poll(
        async () => {
          await buyerPage.goto(`${app.url}/app/orders/${orderId}`);
          return buyerPage.textContent('[data-testid=status]');
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe('CANCELLED');

    // Portfolio: 4 EUA bought at 69.50, the value chart drawn.
    await buyerPage.goto(`${app.url}/app/portfolio`);
    expect(
      (
        await buyerPage.textContent('[data-testid=positions] tr[data-asset=EUA] [data-field=quantity]')
      )?.trim(),
    ).toBe('4 EUA');
    await buyerPage.locator('[data-testid=line-chart]').first().waitFor();
    await buyerPage.screenshot({ path: `${SCREENSHOTS}/trading-portfolio.png`, fullPage: true });

    // Buyer previews another order while EUA is still open; the confirm form waits in the tab.
    await ticket(buyerPage, { side: 'BUY', quantity: '1', price: '69.50' });

    // Staff halt EUA, with a reason, after a confirmation step.
    const opsPage = await stack.signIn(ops);
    await opsPage.goto(`${app.url}/ops/instruments`);
    await opsPage.click('tr[data-symbol=EUA] a:has-text("Halt…")');
    await opsPage.fill('[aria-label="Halt EUA"] input[name=text]', 'Registry outage');
    await opsPage.click('button:has-text("Halt EUA")');
    await opsPage.locator('text=EUA halted: new orders are refused.').waitFor();
    // The blotter names the buyer by email, and its filters stay in the URL.
    await opsPage.goto(`${app.url}/ops/orders?symbol=EUA&client=${encodeURIComponent(buyer.email)}`);
    expect(await opsPage.textContent(`[data-testid=blotter] tr[data-order-id="${orderId}"]`)).toContain(
      buyer.email,
    );

    // Buyer confirms the waiting order: refused in words, with a link to the kept REJECTED order.
    await buyerPage.click('button:has-text("Confirm order")');
    await buyerPage.locator('text=Trading in this instrument is halted: your order was refused.').waitFor();
    expect(await buyerPage.textContent('main')).toContain('Registry outage');
    await buyerPage.screenshot({ path: `${SCREENSHOTS}/trading-halted.png`, fullPage: true });
    await buyerPage.click('a:has-text("see it in My orders")');
    expect(await buyerPage.textContent('[data-testid=status]')).toBe('REJECTED');

    // The other pages of the flow render what happened: the instrument list, the day candles, the
    // staff view of the order with its fill and the buyer by email.
    await buyerPage.goto(`${app.url}/app/trade`);
    expect(await buyerPage.textContent('tr[data-symbol=EUA]')).toContain('HALTED');
    expect(await buyerPage.textContent('tr[data-symbol=EUA] [data-field=last-price]')).toBe('69.50 EUR');
    await buyerPage.goto(`${app.url}/app/trade/EUA?interval=1d`);
    await buyerPage.locator('[data-testid=candle-chart]').waitFor();
    await opsPage.goto(`${app.url}/ops/orders/${orderId}`);
    expect(await opsPage.textContent('[data-testid=status]')).toBe('CANCELLED');
    expect(await opsPage.textContent('main')).toContain(buyer.email);
    expect(await opsPage.textContent('main')).toContain('69.50 EUR');

    const balance = await trialBalance(app.pool);
    expect(balance.balanced).toBe(true);
  }, 240_000);
});
