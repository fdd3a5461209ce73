// The reconciliation list in a real browser, as every staff list: operations import three statements
// through the page's form, then the list is searched (the statement's IBAN typed in groups of four,
// the bank's statement id), sorted by clicking its column headers (both ways), refuses a column it
// cannot sort by, and its CSV follows the search and the sort.
import { randomInt, randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../api/testing.js';
import { ensureSystemAccounts } from '../../db/ledger/index.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

/** A booking day of its own in the past, away from every other test's ledger movements. */
function pastDay(): string {
  return new Date(Date.UTC(2003, 0, 1) + randomInt(0, 5000) * 86_400_000).toISOString().slice(0, 10);
}

/** A CSV statement of `entries` credits on `day`, naming its account and the bank's statement id. */
function statementCsv(day: string, entries: number, iban: string, statementId: string): string {
  const header = 'type,currency,booking_date,amount,reference,description,account,statement_id';
  const rows = Array.from(
    { length: entries },
    (_, i) => `entry,EUR,${day},${i + 1}.00,,,${iban},${statementId}`,
  );
  return [header, ...rows].join('\n');
}

describe('the reconciliation list in the browser', () => {
  let stack: WebStack;
  let app: TestApp;
  let page: Page;
  // One batch: the statement ids share its prefix, so a search finds these three alone.
  const batch = `SORTED-${randomUUID().slice(0, 8)}`;
  const statements = [
    { day: pastDay(), entries: 1 },
    { day: pastDay(), entries: 3 },
    { day: pastDay(), entries: 2 },
  ].map((s, i) => ({
    ...s,
    iban: `DE8937040044053201${String(randomInt(0, 1000)).padStart(3, '0')}${i}`,
    statementId: `${batch}-${i}`,
    id: '',
  }));

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    await ensureSystemAccounts(app.pool);
    page = await stack.signIn(await app.createUser('operations'));
    for (const statement of statements) {
      await page.goto(`${app.url}/ops/reconciliations`);
      const form = page.locator('form[aria-label="Import a statement"]');
      await form.locator('input[name=file]').setInputFiles({
        name: 'statement.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          statementCsv(statement.day, statement.entries, statement.iban, statement.statementId),
        ),
      });
      await Promise.all([
        page.waitForURL(/\/ops\/reconciliations\/[0-9a-f-]{36}$/),
        form.locator('button[type=submit]').click(),
      ]);
      statement.id = new URL(page.url()).pathname.split('/').pop()!;
    }
  });
  afterAll(async () => {
    await page?.context().close();
    await stack?.stop();
  });

  // With JavaScript on, the URL changes before the new rows render: the checks poll for the rows.
  const shown = () =>
    page
      .locator('tbody tr[data-reconciliation-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-reconciliation-id')));
  const ids = (...order: number[]) => order.map((i) => statements[i]!.id);

  it('finds a statement by its IBAN typed in groups and by the bank statement id', async () => {
    await page.goto(`${app.url}/ops/reconciliations`);
    const grouped = statements[2]!.iban.replace(/(.{4})/g, '$1 ').trim();
    await page.fill('form[role=search] input[name=q]', grouped);
    await Promise.all([page.waitForURL(/q=/), page.click('form[role=search] button[type=submit]')]);
    await expect.poll(shown).toEqual(ids(2));
    await page.goto(`${app.url}/ops/reconciliations?q=${encodeURIComponent(statements[0]!.statementId)}`);
    expect(await shown()).toEqual(ids(0));
    await page.goto(`${app.url}/ops/reconciliations?q=${encodeURIComponent(batch)}`);
    expect([...(await shown())].sort()).toEqual(ids(0, 1, 2).sort());
    expect(await page.textContent('nav[aria-label="Counts per status"]')).toContain('All');
  });

  it('sorts by a header link both ways, keeping the search; the CSV in the same order', async () => {
    await page.goto(`${app.url}/ops/reconciliations?q=${encodeURIComponent(batch)}`);
    await page.click('thead a[data-sort=lines]');
    await page.waitForURL(/sort=lines/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(batch);
    // Most lines first: 3, 2, 1.
    await expect.poll(shown).toEqual(ids(1, 2, 0));
    expect(await page.getAttribute('thead th[aria-sort]', 'aria-sort')).toBe('descending');
    await page.click('thead a[data-sort=lines]');
    await page.waitForURL(/dir=asc/);
    await expect.poll(shown).toEqual(ids(0, 2, 1));

    await page.click('thead a[data-sort=period]');
    await page.waitForURL(/sort=period/);
    const latestFirst = [0, 1, 2].sort((a, b) => (statements[a]!.day < statements[b]!.day ? 1 : -1));
    await expect.poll(shown).toEqual(ids(...latestFirst));
    await page.screenshot({ path: 'tmp/e2e-lists/ops-reconciliations-by-period.png', fullPage: true });

    const csv = await page.request.get(
      `${app.url}/ops/reconciliations.csv?q=${encodeURIComponent(batch)}&sort=lines&dir=desc`,
    );
    expect(csv.status()).toBe(200);
    const [header, ...rows] = (await csv.text())
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(header!.slice(0, 4)).toEqual(['reconciliation_id', 'account_code', 'format', 'status']);
    expect(rows.map((row) => row[0])).toEqual(ids(1, 2, 0));
    const most = Object.fromEntries(header!.map((name, i) => [name, rows[0]![i]]));
    expect(most).toMatchObject({
      account_code: 'bank:omnibus:EUR',
      format: 'csv',
      from: statements[1]!.day,
      to: statements[1]!.day,
      currency: 'EUR',
      lines: '3',
    });
  });

  it('refuses a column it cannot sort by with a 400 that says why', async () => {
    const refused = await page.goto(`${app.url}/ops/reconciliations?sort=client`);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('body')).toContain('cannot sort by');
  });
});
