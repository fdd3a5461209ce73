// The client statement page and the client home in a browser with JavaScript off: the filters are a
// GET form kept in the URL, the table states every amount with its asset, the downloads answer CSV
// and PDF, bad dates are explained on the page; the home shows the balance history chart and what
// is in progress. Screenshots in tmp/e2e-statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestApp, TestUser } from '../../api/testing.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from '../../db/ledger/index.js';
import { depositClear, depositConfirm, fee } from '../../domain/postings.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-statement';
const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

describe('client statement page without JavaScript', () => {
  let stack: WebStack;
  let app: TestApp;
  let client: TestUser;
  let page: Page;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    client = await app.createUser('client');
    // 1500.00 received and cleared ten days ago, a 2.50 fee today: through the posting engine.
    await ensureSystemAccounts(app.pool);
    await ensureClientAccounts(app.pool, client.id, 'EUR');
    const effectiveAt = new Date(Date.now() - 10 * DAY_MS);
    const key = (step: string) => `e2e-statement/${client.id}/${step}`;
    await postEntry(app.pool, {
      idempotencyKey: key('confirm'),
      effectiveAt,
      ...depositConfirm(client.id, 'EUR', 150_000n),
    });
    await postEntry(app.pool, {
      idempotencyKey: key('clear'),
      effectiveAt,
      ...depositClear(client.id, 'EUR', 150_000n),
    });
    await postEntry(app.pool, { idempotencyKey: key('fee'), ...fee(client.id, 'EUR', 250n, 'account fee') });

    page = await stack.signIn(client, { javaScriptEnabled: false });
  }, 120_000);

  afterAll(async () => {
    await page?.context().close();
    await stack?.stop();
  });

  it('shows the last 30 days, then the period chosen in the GET form, with grouped amounts', async () => {
    await page.goto(`${app.url}/app/statement`);
    expect(await page.evaluate(() => '__remixRouter' in window)).toBe(false);
    expect((await page.textContent('[data-testid=opening-balance]'))?.trim()).toBe('0.00 EUR');
    expect((await page.textContent('[data-testid=closing-balance]'))?.trim()).toBe('1,497.50 EUR');
    const rows = page.locator('[data-testid=statement] tbody tr[data-entry-id]');
    // Clearing moves the money from the AML hold to available: two lines, one entry.
    expect(await rows.count()).toBe(4);
    const balances = await rows.locator('[data-field=balance]').allTextContents();
    expect(balances.map((b) => b.trim())).toEqual([
      '1,500.00 EUR',
      '0.00 EUR',
      '1,500.00 EUR',
      '1,497.50 EUR',
    ]);
    expect(await rows.first().textContent()).toContain('Deposit received, on AML hold');
    await page.screenshot({ path: `${SCREENSHOTS}/statement.png`, fullPage: true });

    // The filter form posts nothing: it is a GET, so the period lands in the URL.
    await page.fill('input[name=from]', day(-5));
    await page.fill('input[name=to]', day(0));
    await page.selectOption('select[name=account]', 'available');
    await Promise.all([page.waitForURL(/from=/), page.click('form[aria-label="Statement filters"] button')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toBe(day(-5));
    expect(url.searchParams.get('account')).toBe('available');
    expect((await page.textContent('[data-testid=opening-balance]'))?.trim()).toBe('1,500.00 EUR');
    expect((await page.textContent('[data-testid=closing-balance]'))?.trim()).toBe('1,497.50 EUR');
    expect(await rows.count()).toBe(1);
    expect((await rows.first().locator('[data-field=debit]').textContent())?.trim()).toBe('2.50 EUR');
  });

  it('downloads CSV and PDF from its links', async () => {
    await page.goto(`${app.url}/app/statement?asset=EUR&from=${day(-30)}&to=${day(0)}`);
    const csvHref = await page.getAttribute('a:has-text("Download CSV")', 'href');
    const pdfHref = await page.getAttribute('a:has-text("Download PDF")', 'href');
    expect(csvHref).toBe(`/api/v1/statement.csv?asset=EUR&from=${day(-30)}&to=${day(0)}&account=all`);
    const csv = await page.request.get(`${app.url}${csvHref}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-disposition']).toContain('attachment');
    const csvLines = (await csv.text()).trim().split('\r\n');
    expect(csvLines).toHaveLength(1 + 1 + 4 + 1);
    expect(csvLines.at(-1)).toBe(`${day(0)},,Closing balance,,,,,1497.50,EUR`);
    const pdf = await page.request.get(`${app.url}${pdfHref}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('explains a bad period on the page instead of failing', async () => {
    const answer = await page.goto(`${app.url}/app/statement?asset=EUR&from=2026-02-30`);
    expect(answer?.status()).toBe(200);
    expect(await page.textContent('[data-testid=statement-problems]')).toContain('From: give a date like');
    expect(await page.locator('[data-testid=statement]').count()).toBe(0);
  });

  it('the home shows balances, their history as a chart, what is in progress, and links to the statement', async () => {
    await page.goto(`${app.url}/app/balances?days=90`);
    expect((await page.textContent('tr[data-asset=EUR] [data-field=available]'))?.trim()).toBe(
      '1,497.50 EUR',
    );
    expect(await page.textContent('#history-title')).toContain('last 90 days');
    const chart = page.locator('[data-testid=history-EUR] svg[data-testid=line-chart]');
    expect(await chart.count()).toBe(1);
    expect(await chart.getAttribute('aria-label')).toContain('to 1497.50 EUR');
    expect(await chart.locator('circle.point').count()).toBe(90);
    expect(await page.textContent('[data-testid=open-counts] a[data-type=deposit] .count')).toBe('0');
    await page.screenshot({ path: `${SCREENSHOTS}/home.png`, fullPage: true });
    await Promise.all([page.waitForURL(/\/app\/statement/), page.click('a:has-text("EUR statement")')]);
    expect(new URL(page.url()).searchParams.get('asset')).toBe('EUR');
  });
});
