// A client's statement as staff read it (/ops/clients/:id/statement) in a browser with JavaScript
// off: every asset with its own running balance, the filters a GET form kept in the URL, amounts
// grouped with their asset, CSV and PDF from the staff API (the PDF in the embedded font that prints
// the client's Cyrillic name: api/documents/statement-pdf.test.ts reads it back), a link from the client's KYC page
// and from the client's row on the lists, and roles the API refuses sent away here too.
// Screenshots in tmp/e2e-staff-statement.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestApp, TestUser } from '../../api/testing.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import { depositClear, depositConfirm, fee } from '../../domain/postings.js';
import { issueKeyTo } from '../support/market-maker.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-staff-statement';
const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
const NAME = 'Дмитрий Ёлкин';

describe('a client statement for staff, without JavaScript', () => {
  let stack: WebStack;
  let app: TestApp;
  let client: TestUser;
  let page: Page;
  const path = () => `/ops/clients/${client.id}/statement`;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    client = await app.createUser('client');
    await app.pool.query('UPDATE app_user SET display_name = $2 WHERE id = $1', [client.id, NAME]);
    // EUR: 12,500.00 received and cleared ten days ago, a 2.50 fee today. USD: 40.00 on hold.
    await ensureSystemAccounts(app.pool);
    await ensureClientAccounts(app.pool, client.id, 'EUR');
    await ensureClientAccounts(app.pool, client.id, 'USD');
    const effectiveAt = new Date(Date.now() - 10 * DAY_MS);
    const key = (step: string) => `e2e-staff-statement/${client.id}/${step}`;
    await postEntry(app.pool, {
      idempotencyKey: key('confirm'),
      effectiveAt,
      ...depositConfirm(client.id, 'EUR', 1_250_000n),
    });
    await postEntry(app.pool, {
      idempotencyKey: key('clear'),
      effectiveAt,
      ...depositClear(client.id, 'EUR', 1_250_000n),
    });
    await postEntry(app.pool, { idempotencyKey: key('fee'), ...fee(client.id, 'EUR', 250n, 'account fee') });
    await postEntry(app.pool, { idempotencyKey: key('usd'), ...depositConfirm(client.id, 'USD', 4_000n) });
    page = await stack.signIn(await app.createUser('operations'), { javaScriptEnabled: false });
  }, 120_000);

  afterAll(async () => {
    await page?.context().close();
    await stack?.stop();
  });

  it('shows every asset the client has, each with its own running balance', async () => {
    const answer = await page.goto(`${app.url}${path()}`);
    expect(answer?.status()).toBe(200);
    expect(await page.evaluate(() => '__remixRouter' in window)).toBe(false);
    expect(await page.textContent('h1')).toBe(`Statement of ${NAME}`);
    const eur = page.locator('[data-testid=statement-EUR]');
    const usd = page.locator('[data-testid=statement-USD]');
    expect((await eur.locator('[data-testid=closing-balance]').textContent())?.trim()).toBe('12,497.50 EUR');
    const eurBalances = await eur.locator('tbody tr[data-entry-id] [data-field=balance]').allTextContents();
    expect(eurBalances.map((b) => b.trim())).toEqual([
      '12,500.00 EUR',
      '0.00 EUR',
      '12,500.00 EUR',
      '12,497.50 EUR',
    ]);
    const usdBalances = await usd.locator('tbody tr[data-entry-id] [data-field=balance]').allTextContents();
    expect(usdBalances.map((b) => b.trim())).toEqual(['40.00 USD']);
    // Assets without a movement or a balance are named once, not shown as empty tables.
    expect(await page.locator('[data-testid=statement-EUA]').count()).toBe(0);
    expect(await page.textContent('[data-testid=empty-assets]')).toContain('EUA, CEA');
    await page.screenshot({ path: `${SCREENSHOTS}/all-assets.png`, fullPage: true });
  });

  it('narrows to one asset and period with the GET form, kept in the URL', async () => {
    await page.goto(`${app.url}${path()}`);
    await page.selectOption('select[name=asset]', 'EUR');
    await page.fill('input[name=from]', day(-5));
    await page.fill('input[name=to]', day(0));
    await page.selectOption('select[name=account]', 'available');
    await Promise.all([
      page.waitForURL(/asset=EUR/),
      page.click('form[aria-label="Statement filters"] button'),
    ]);
    const url = new URL(page.url());
    expect(url.pathname).toBe(path());
    expect(url.searchParams.get('from')).toBe(day(-5));
    expect(await page.locator('[data-testid^=statement-]').count()).toBe(1);
    expect((await page.textContent('[data-testid=opening-balance]'))?.trim()).toBe('12,500.00 EUR');
    const rows = page.locator('[data-testid=statement] tbody tr[data-entry-id]');
    expect(await rows.count()).toBe(1);
    expect((await rows.first().locator('[data-field=debit]').textContent())?.trim()).toBe('2.50 EUR');
    await page.screenshot({ path: `${SCREENSHOTS}/one-asset.png`, fullPage: true });
  });

  it('explains a bad period on the page instead of failing', async () => {
    const answer = await page.goto(`${app.url}${path()}?from=2026-02-30`);
    expect(answer?.status()).toBe(200);
    expect(await page.textContent('[data-testid=statement-problems]')).toContain('From: give a date like');
    expect(await page.locator('[data-testid=statement]').count()).toBe(0);
  });

  it('downloads each asset as CSV and PDF from the staff API', async () => {
    await page.goto(`${app.url}${path()}?from=${day(-30)}&to=${day(0)}`);
    const eur = page.locator('[data-testid=statement-EUR]');
    const csvHref = await eur.locator('a:has-text("Download CSV")').getAttribute('href');
    const pdfHref = await eur.locator('a:has-text("Download PDF")').getAttribute('href');
    expect(csvHref).toBe(
      `/api/v1/ops/clients/${client.id}/statement.csv?asset=EUR&from=${day(-30)}&to=${day(0)}&account=all`,
    );
    const csv = await page.request.get(`${app.url}${csvHref}`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).trim().split('\r\n').at(-1)).toBe(
      `${day(0)},,Closing balance,,,,,12497.50,EUR`,
    );
    const pdf = await page.request.get(`${app.url}${pdfHref}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    // The download is compressed; its fonts' names are not, and the embedded font is DejaVu.
    expect((await pdf.body()).toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSansCondensed\b/);
  });

  it('is linked from the client on the KYC review page', async () => {
    const answer = await page.goto(`${app.url}/ops/kyc/${client.id}`);
    expect(answer?.status()).toBe(200);
    await Promise.all([page.waitForURL(/\/statement$/), page.click('a:has-text("Statement")')]);
    expect(new URL(page.url()).pathname).toBe(path());
  });

  it('is linked from the client’s row on the deposit and market-maker lists', async () => {
    const announced = await app.api('/api/v1/deposits', {
      method: 'POST',
      token: (await app.login(client)).accessToken,
      idempotencyKey: randomUUID(),
      json: { amount: '10.00', currency: 'EUR' },
    });
    expect(announced.status, announced.text).toBe(201);
    await issueKeyTo(app, client, 'statement bot');
    for (const [list, row] of [
      ['/ops/deposits', `tr[data-deposit-id="${announced.body.id}"]`],
      [`/ops/market-makers?q=${encodeURIComponent(client.email)}`, `tr[data-email="${client.email}"]`],
    ]) {
      expect((await page.goto(`${app.url}${list}`))?.status(), list).toBe(200);
      const link = page.locator(`${row} a[data-statement-of="${client.id}"]`);
      // Each row's link says whose statement it is to a screen reader.
      expect((await link.textContent())?.trim(), list).toBe(`Statement of ${NAME}`);
      await Promise.all([page.waitForURL(/\/statement$/), link.click()]);
      expect(new URL(page.url()).pathname, list).toBe(path());
      expect(await page.textContent('h1')).toBe(`Statement of ${NAME}`);
    }
  });

  it('sends roles that may not read statements away, and answers 404 for an id that is no client', async () => {
    const aml = await stack.signIn(await app.createUser('aml_officer'), { javaScriptEnabled: false });
    await aml.goto(`${app.url}${path()}`);
    expect(new URL(aml.url()).pathname).not.toBe(path());
    await aml.goto(`${app.url}/ops/kyc/${client.id}`);
    expect(await aml.locator('a:has-text("Statement")').count()).toBe(0);
    await aml.goto(`${app.url}/ops/deposits`);
    expect(await aml.locator('a[data-statement-of]').count()).toBe(0);
    await aml.context().close();
    const unknown = await page.goto(`${app.url}/ops/clients/00000000-0000-4000-8000-000000000000/statement`);
    expect(unknown?.status()).toBe(404);
  });
});
