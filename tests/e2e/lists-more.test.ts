// Staff lists in a real browser with JavaScript switched off, beyond tests/e2e/lists.test.ts: a CSV
// whose rows name more clients than one people lookup takes (PEOPLE_LOOKUP_MAX_IDS) still downloads,
// every client by email; and the market makers, API keys, instruments and notifications lists sort
// by a header link both ways, search, keep their filters in the URL, page, and their CSVs follow.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PEOPLE_LOOKUP_MAX_IDS } from '../../api/pages/people.js';
import type { TestApp, TestUser } from '../../api/testing.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { csvRecords } from '../support/csv.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-lists-more';

describe('more staff lists without JavaScript', () => {
  let stack: WebStack;
  let app: TestApp;
  let ops: TestUser;
  let admin: TestUser;
  let opsPage: Page;
  let adminPage: Page;

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    ops = await app.createUser('operations');
    admin = await app.createUser('admin');
    opsPage = await stack.signIn(ops, { javaScriptEnabled: false });
    adminPage = await stack.signIn(admin, { javaScriptEnabled: false });
  });
  afterAll(async () => {
    await opsPage?.context().close();
    await adminPage?.context().close();
    await stack?.stop();
  });

  it('downloads a deposit CSV of more distinct clients than one people lookup takes, each by email', async () => {
    const clients = PEOPLE_LOOKUP_MAX_IDS + 20;
    const tag = randomUUID().slice(0, 8);
    // Straight into the read model: one client and one deposit each, as the workflow would record. Each
    // its own whole second: the API's newest-first cursor keeps milliseconds, so rows sharing a
    // millisecond with a page's last row could fall between pages (db/lifecycle/lifecycles.ts).
    const { rows } = await app.pool.query<{ id: string; email: string }>(
      `INSERT INTO app_user (email, password_hash, role, display_name)
       SELECT 'many-' || $1 || '-' || n || '@example.test', 'x', 'client', 'Many ' || n
         FROM generate_series(1, $2::int) AS n
       RETURNING id, email`,
      [tag, clients],
    );
    expect(rows).toHaveLength(clients);
    await app.pool.query(
      `WITH owners AS (
         SELECT id AS owner_id, gen_random_uuid()::text AS business_id, row_number() OVER () AS n
           FROM unnest($2::uuid[]) AS id
       )
       INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       SELECT 'deposit-' || business_id, 'deposit', business_id, owner_id, 'PENDING',
              jsonb_build_object('amount', '10.00', 'currency', 'EUR', 'reference', 'CH-' || $1 || '-' || n),
              t.at, t.at, 1
         FROM owners, LATERAL (SELECT date_trunc('second', now()) - n * interval '1 second' AS at) t`,
      [tag, rows.map((r) => r.id)],
    );

    const csv = await opsPage.request.get(`${app.url}/ops/deposits.csv?status=PENDING`);
    expect(csv.status()).toBe(200);
    const { records } = csvRecords(await csv.text());
    const emailOf = new Map(records.map((r) => [r.client_id, r.client_email]));
    for (const client of rows) expect(emailOf.get(client.id), client.id).toBe(client.email);
  });
  /** The texts of a column's cells, in the page's order. */
  const cells = async (page: Page, selector: string) =>
    (await page.locator(selector).allTextContents()).map((t) => t.trim());

  /** Clicks a sortable header and waits for the URL to carry that sort (and direction). */
  async function sortBy(page: Page, column: string, dir: 'asc' | 'desc') {
    await page.click(`thead a[data-sort=${column}]`);
    await page.waitForURL(
      (url) => url.searchParams.get('sort') === column && url.searchParams.get('dir') === dir,
    );
  }

  it('sorts and searches the API keys and the market makers; their CSVs follow', async () => {
    const tag = `mm${randomUUID().slice(0, 6)}`;
    const makers: TestUser[] = [];
    for (const name of [`Yara ${tag}`, `Bruno ${tag}`]) {
      const maker = await app.createUser('client');
      await app.pool.query('UPDATE app_user SET display_name = $1 WHERE id = $2', [name, maker.id]);
      makers.push(maker);
    }
    const token = (await app.login(admin)).accessToken;
    const issued: { id: string; prefix: string; name: string }[] = [];
    // Yara holds two keys, Bruno one; one of Yara's is revoked.
    for (const [owner, name] of [
      [0, `beta ${tag}`],
      [1, `alpha ${tag}`],
      [0, `gamma ${tag}`],
    ] as const) {
      const answer = await app.api('/api/v1/admin/api-keys', {
        method: 'POST',
        token,
        json: { ownerId: makers[owner]!.id, name, scopes: ['orders:read'] },
      });
      expect(answer.status, answer.text).toBe(201);
      const { apiKey } = answer.body as { apiKey: { id: string; prefix: string } };
      issued.push({ ...apiKey, name });
    }
    const revoked = await app.api(`/api/v1/admin/api-keys/${issued[2]!.id}`, { method: 'DELETE', token });
    expect(revoked.status, revoked.text).toBe(200);

    const page = adminPage;
    const names = () => cells(page, '[data-testid=api-keys] tbody tr[data-prefix] td:first-child');
    await page.goto(`${app.url}/ops/api-keys?q=${tag}`);
    expect((await names()).sort()).toEqual([`alpha ${tag}`, `beta ${tag}`, `gamma ${tag}`]);
    await sortBy(page, 'name', 'asc');
    expect(new URL(page.url()).searchParams.get('q')).toBe(tag);
    expect(await names()).toEqual([`alpha ${tag}`, `beta ${tag}`, `gamma ${tag}`]);
    expect(await page.getAttribute('thead th[aria-sort]', 'aria-sort')).toBe('ascending');
    await sortBy(page, 'name', 'desc');
    expect(await names()).toEqual([`gamma ${tag}`, `beta ${tag}`, `alpha ${tag}`]);
    await page.screenshot({ path: `${SCREENSHOTS}/ops-api-keys-by-name.png`, fullPage: true });
    // Found by its prefix alone; the revoked one by the status filter, with the search kept.
    await page.goto(`${app.url}/ops/api-keys?q=${issued[1]!.prefix}`);
    expect(await names()).toEqual([`alpha ${tag}`]);
    await page.goto(`${app.url}/ops/api-keys?q=${tag}&status=revoked`);
    expect(await names()).toEqual([`gamma ${tag}`]);
    expect(await page.textContent('.status-counts [data-status=revoked] .count')).not.toBe('0');
    // By owner: Bruno's key first, then Yara's two (in id order between them).
    await page.goto(`${app.url}/ops/api-keys?q=${tag}&sort=owner&dir=asc`);
    const byOwner = await names();
    expect(byOwner[0]).toBe(`alpha ${tag}`);
    expect(byOwner.slice(1).sort()).toEqual([`beta ${tag}`, `gamma ${tag}`]);

    const keysCsv = await page.request.get(`${app.url}/ops/api-keys.csv?q=${tag}&sort=name&dir=desc`);
    expect(keysCsv.status()).toBe(200);
    const keyRows = csvRecords(await keysCsv.text()).records;
    expect(keyRows.map((k) => k.name)).toEqual([`gamma ${tag}`, `beta ${tag}`, `alpha ${tag}`]);
    expect(keyRows[0]).toMatchObject({
      prefix: issued[2]!.prefix,
      status: 'revoked',
      owner_id: makers[0]!.id,
    });
    const statusCsv = await page.request.get(`${app.url}/ops/api-keys.csv?q=${tag}&status=active`);
    expect(
      csvRecords(await statusCsv.text())
        .records.map((k) => k.name)
        .sort(),
    ).toEqual([`alpha ${tag}`, `beta ${tag}`]);
    expect((await page.goto(`${app.url}/ops/api-keys?sort=key_hash`))?.status()).toBe(400);
    expect(await page.textContent('body')).toContain('cannot sort by');
    expect((await page.goto(`${app.url}/ops/api-keys?status=lost`))?.status()).toBe(400);

    // The market makers: found by the name's tag, sorted by keys both ways and by name.
    const emails = () => cells(page, '[data-testid=market-makers] tbody tr[data-email] td:nth-child(2)');
    await page.goto(`${app.url}/ops/market-makers?q=${tag}`);
    await sortBy(page, 'keys', 'desc');
    expect(await emails()).toEqual([makers[0]!.email, makers[1]!.email]);
    await sortBy(page, 'keys', 'asc');
    expect(await emails()).toEqual([makers[1]!.email, makers[0]!.email]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(tag);
    await sortBy(page, 'active', 'desc');
    await page.screenshot({ path: `${SCREENSHOTS}/ops-market-makers-by-active.png`, fullPage: true });
    // Bruno's working order (straight into the read model, as the order workflow records it) puts
    // him first by open orders and by orders today; the header links sort by either both ways.
    await app.pool.query(
      `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, created_at, updated_at, last_seq)
       VALUES ($1, 'order', $2, $3, 'ROUTED', now(), now(), 1)`,
      [`order-${tag}`, randomUUID(), makers[1]!.id],
    );
    await page.reload();
    await sortBy(page, 'open', 'desc');
    expect(await emails()).toEqual([makers[1]!.email, makers[0]!.email]);
    await sortBy(page, 'open', 'asc');
    expect(await emails()).toEqual([makers[0]!.email, makers[1]!.email]);
    await sortBy(page, 'today', 'desc');
    expect(await emails()).toEqual([makers[1]!.email, makers[0]!.email]);
    expect(await cells(page, '[data-testid=market-makers] tbody tr[data-email] td:nth-child(6)')).toEqual([
      '1',
      '0',
    ]);
    await page.goto(`${app.url}/ops/market-makers?q=${encodeURIComponent(makers[1]!.email)}`);
    expect(await emails()).toEqual([makers[1]!.email]);
    const makersCsv = await page.request.get(`${app.url}/ops/market-makers.csv?q=${tag}&sort=name&dir=asc`);
    const makerRows = csvRecords(await makersCsv.text()).records;
    expect(makerRows.map((m) => m.client_email)).toEqual([makers[1]!.email, makers[0]!.email]);
    expect(makerRows[1]).toMatchObject({
      client: `Yara ${tag} <${makers[0]!.email}>`,
      keys: '2',
      active_keys: '1',
      open_orders: '0',
    });
    expect(makerRows[0]).toMatchObject({ orders_today: '1', open_orders: '1' });
    expect((await page.goto(`${app.url}/ops/market-makers?sort=owner_id`))?.status()).toBe(400);
  });

  it('sorts and searches the instruments; the CSV follows', async () => {
    // The catalogue's instruments, as the server puts them in at start.
    await ensureInstruments(app.pool);
    const page = opsPage;
    const symbols = () => cells(page, '[data-testid=instruments] tbody tr[data-symbol] td:first-child');
    await page.goto(`${app.url}/ops/instruments`);
    const all = await symbols();
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all).toEqual([...all].sort());
    await sortBy(page, 'symbol', 'desc');
    expect(await symbols()).toEqual([...all].sort().reverse());
    await page.goto(`${app.url}/ops/instruments?q=allowance`);
    const allowances = await symbols();
    expect(allowances.length).toBeGreaterThanOrEqual(1);
    expect(allowances).not.toContain('KRBN');
    await sortBy(page, 'name', 'asc');
    expect(new URL(page.url()).searchParams.get('q')).toBe('allowance');
    const byName = await symbols();
    const csv = await page.request.get(`${app.url}/ops/instruments.csv?q=allowance&sort=name&dir=asc`);
    expect(csv.status()).toBe(200);
    const rows = csvRecords(await csv.text()).records;
    expect(rows.map((r) => r.symbol)).toEqual(byName);
    // China Emission Allowance before EU Allowance: by name, not by symbol.
    expect(rows.map((r) => r.name)).toEqual(['China Emission Allowance', 'EU Allowance']);
    // By reference price, largest first: compared as numbers of the quote asset, not as text.
    await page.goto(`${app.url}/ops/instruments`);
    await sortBy(page, 'reference', 'desc');
    const byReference = await symbols();
    const priced = csvRecords(
      await (await page.request.get(`${app.url}/ops/instruments.csv?sort=reference&dir=desc`)).text(),
    ).records;
    expect(priced.map((r) => r.symbol)).toEqual(byReference);
    const prices = priced.map((r) => Number(r.reference_price));
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    await page.goto(`${app.url}/ops/instruments?q=krbn`);
    expect(await symbols()).toEqual(['KRBN']);
    expect((await page.goto(`${app.url}/ops/instruments?sort=tick_size`))?.status()).toBe(400);
  });

  it('sorts, searches, filters and pages the staff member’s notifications; the CSV follows', async () => {
    const tag = `nt${randomUUID().slice(0, 6)}`;
    // 51 notifications of the admin's own (one more than a page), three with words of their own.
    const event = await app.pool.query<{ id: string }>(
      `INSERT INTO outbox_event (type, owner_id, dispatched_at)
       SELECT 'task.overdue', $1, now() FROM generate_series(1, 51) RETURNING id`,
      [admin.id],
    );
    await app.pool.query(
      `INSERT INTO notification (event_id, user_id, type, title, body, created_at, read_at)
       SELECT e.id, $1, 'task.overdue',
              CASE e.n WHEN 1 THEN 'Charlie ' || $2 WHEN 2 THEN 'Alpha ' || $2 WHEN 3 THEN 'Bravo ' || $2
                       ELSE 'Filler ' || $2 || ' ' || lpad(e.n::text, 2, '0') END,
              CASE WHEN e.n <= 3 THEN 'words ' || $2 ELSE 'filler' END,
              now() - e.n * interval '1 minute',
              CASE WHEN e.n = 2 THEN now() END
         FROM (SELECT id, row_number() OVER () AS n FROM unnest($3::uuid[]) AS id) e`,
      [admin.id, tag, event.rows.map((r) => r.id)],
    );
    const page = adminPage;
    const titles = () =>
      cells(page, '[data-testid=notifications] tbody tr[data-notification-id] td:nth-child(3) strong');
    const words = encodeURIComponent(`words ${tag}`);
    await page.goto(`${app.url}/ops/notifications?q=${words}`);
    expect(await titles()).toEqual([`● Charlie ${tag}`, `Alpha ${tag}`, `● Bravo ${tag}`]);
    await sortBy(page, 'title', 'asc');
    expect(await titles()).toEqual([`Alpha ${tag}`, `● Bravo ${tag}`, `● Charlie ${tag}`]);
    await sortBy(page, 'title', 'desc');
    expect(await titles()).toEqual([`● Charlie ${tag}`, `● Bravo ${tag}`, `Alpha ${tag}`]);
    await page.goto(`${app.url}/ops/notifications?q=${words}&status=unread&sort=title&dir=asc`);
    expect(await titles()).toEqual([`● Bravo ${tag}`, `● Charlie ${tag}`]);
    await page.screenshot({ path: `${SCREENSHOTS}/ops-notifications-unread-by-title.png`, fullPage: true });

    // 51 of the tag: a page of 50, then the next page with the sort and search kept.
    await page.goto(`${app.url}/ops/notifications?q=${tag}&sort=title&dir=desc`);
    const first = await titles();
    expect(first).toHaveLength(50);
    await page.click('a:has-text("Next page")');
    await page.waitForURL(/cursor=/);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('title');
    expect(await titles()).toEqual([`Alpha ${tag}`]);

    const csv = await page.request.get(`${app.url}/ops/notifications.csv?q=${words}&sort=title&dir=asc`);
    expect(csv.status()).toBe(200);
    const rows = csvRecords(await csv.text()).records;
    expect(rows.map((r) => r.title)).toEqual([`Alpha ${tag}`, `Bravo ${tag}`, `Charlie ${tag}`]);
    expect(rows[0]!.read_at).not.toBe('');
    const all = await page.request.get(`${app.url}/ops/notifications.csv?q=${tag}`);
    expect(csvRecords(await all.text()).records).toHaveLength(51);
    expect((await page.goto(`${app.url}/ops/notifications?status=archived`))?.status()).toBe(400);
    expect((await page.goto(`${app.url}/ops/notifications?sort=user_id`))?.status()).toBe(400);
  });
});
