// Staff lists in a real browser with JavaScript switched off: clicking a sortable column header (a
// plain link) reorders the deposit and bank-account lists and clicking it again reverses them; an
// unknown sort column is a 400 page that says why; the CSV follows the sort; and the staff pages of
// the issue name a seeded person instead of showing their id. The task inbox and the audit log sort
// the same way, and name the person who claimed a task or acted. The market makers, API keys,
// instruments and notifications download as CSV (their sorts and searches: lists-more.test.ts).
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestApp, TestUser } from '../../api/testing.js';
import { ensureInstruments } from '../../db/venue/index.js';
import { csvRecords, parseCsvLine } from '../support/csv.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-lists';

/** A German IBAN with valid check digits (mod 97) for a random account number. */
function germanIban(): string {
  const bban = `37040044${String(randomInt(0, 1e9)).padStart(10, '0')}`;
  // D=13, E=14; check digits 00 while computing.
  const check = 98n - (BigInt(`${bban}131400`) % 97n);
  return `DE${String(check).padStart(2, '0')}${bban}`;
}

describe('staff lists without JavaScript', () => {
  let stack: WebStack;
  let app: TestApp;
  let client: TestUser;
  let ops: TestUser;
  let claimer: TestUser;
  let auditor: TestUser;
  let name: string;
  let claimerName: string;
  let opsPage: Page;

  async function signInWithoutJs(user: TestUser): Promise<Page> {
    const page = await (await stack.browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(`${app.url}/login`);
    expect(await page.evaluate(() => '__remixRouter' in window)).toBe(false);
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', user.password);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/login')),
      page.click('button[type=submit]'),
    ]);
    return page;
  }

  async function asClient(path: string, json: unknown) {
    const token = (await app.login(client)).accessToken;
    const answer = await app.api(`/api/v1${path}`, {
      method: 'POST',
      token,
      idempotencyKey: randomUUID(),
      json,
    });
    expect(answer.status, answer.text).toBe(201);
    return answer.body as { id: string };
  }

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    client = await app.createUser('client');
    ops = await app.createUser('operations');
    // A name of this file's own, so the page text proves who is named.
    name = `Quilla Marchetti ${randomUUID().slice(0, 6)}`;
    await app.pool.query('UPDATE app_user SET display_name = $1 WHERE id = $2', [name, client.id]);
    for (const amount of ['250.00', '1234567.80', '9.50', '31000.00']) {
      await asClient('/deposits', { amount, currency: 'EUR' });
    }
    for (const holder of ['Mara Ode', 'Anna Berg', 'Zeno Kalt']) {
      await asClient('/bank-accounts', {
        iban: germanIban(),
        bic: 'COBADEFFXXX',
        accountName: holder,
        bankName: 'Commerzbank',
        country: 'DE',
      });
    }
    opsPage = await signInWithoutJs(ops);
    claimer = await app.createUser('operations');
    auditor = await app.createUser('auditor');
    claimerName = `Ines Claimer ${randomUUID().slice(0, 6)}`;
    await app.pool.query('UPDATE app_user SET display_name = $1 WHERE id = $2', [claimerName, claimer.id]);
  });
  afterAll(async () => {
    await opsPage?.context().close();
    await stack?.stop();
  });

  const amountsOnPage = async (page: Page) =>
    (await page.locator('tbody tr[data-deposit-id] td.num:nth-child(3)').allTextContents()).map((t) =>
      t.trim(),
    );

  it('sorts the deposit list by a header link, both ways, and the CSV in the same order', async () => {
    const page = opsPage;
    await page.goto(`${app.url}/ops/deposits?q=${encodeURIComponent(client.email)}`);
    expect(await amountsOnPage(page)).toHaveLength(4);

    await page.click('thead a[data-sort=amount]');
    await page.waitForURL(/sort=amount/);
    expect(new URL(page.url()).searchParams.get('dir')).toBe('desc');
    // The search stays in the URL with the sort.
    expect(new URL(page.url()).searchParams.get('q')).toBe(client.email);
    expect(await amountsOnPage(page)).toEqual([
      '1,234,567.80 EUR',
      '31,000.00 EUR',
      '250.00 EUR',
      '9.50 EUR',
    ]);
    expect(await page.getAttribute('thead th[aria-sort]', 'aria-sort')).toBe('descending');
    await page.screenshot({ path: `${SCREENSHOTS}/ops-deposits-by-amount.png`, fullPage: true });

    await page.click('thead a[data-sort=amount]');
    await page.waitForURL(/dir=asc/);
    expect(await amountsOnPage(page)).toEqual([
      '9.50 EUR',
      '250.00 EUR',
      '31,000.00 EUR',
      '1,234,567.80 EUR',
    ]);

    const csv = await page.request.get(
      `${app.url}/ops/deposits.csv?q=${encodeURIComponent(client.email)}&sort=amount&dir=asc`,
    );
    expect(csv.status()).toBe(200);
    const amounts = (await csv.text())
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[5]);
    expect(amounts).toEqual(['9.50', '250.00', '31000.00', '1234567.80']);
  });

  it('sorts the bank-account list by holder and refuses a column it cannot sort by', async () => {
    const page = opsPage;
    await page.goto(`${app.url}/ops/bank-accounts?status=&q=${encodeURIComponent(client.email)}`);
    await page.click('thead a[data-sort=holder]');
    await page.waitForURL(/sort=holder/);
    const holders = async () =>
      (await page.locator('tbody tr[data-bank-account-id] td:nth-child(5)').allTextContents()).map((t) =>
        t.trim(),
      );
    expect(await holders()).toEqual(['Anna Berg', 'Mara Ode', 'Zeno Kalt']);
    await page.click('thead a[data-sort=holder]');
    await page.waitForURL(/dir=desc/);
    expect(await holders()).toEqual(['Zeno Kalt', 'Mara Ode', 'Anna Berg']);
    await page.screenshot({ path: `${SCREENSHOTS}/ops-bank-accounts-by-holder.png`, fullPage: true });

    const refused = await page.goto(`${app.url}/ops/bank-accounts?sort=attributes&dir=asc`);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('body')).toContain('cannot sort by');
    const backwards = await page.goto(`${app.url}/ops/deposits?sort=amount&dir=sideways`);
    expect(backwards?.status()).toBe(400);
    // A cursor belongs to one list and one order: another's is refused, not a 500.
    const foreign = await page.goto(`${app.url}/ops/deposits?sort=amount&dir=asc&cursor=bm90LWEtY3Vyc29y`);
    expect(foreign?.status()).toBe(400);
    expect(await page.textContent('body')).toContain('not valid for this list');
    const batches = await page.goto(`${app.url}/ops/settlement-batches?sort=cutoff&dir=asc`);
    expect(batches?.status()).toBe(200);
    expect(await page.getAttribute('thead th[aria-sort]', 'aria-sort')).toBe('ascending');
  });

  it('names the seeded person, never their id, on the staff list and detail pages', async () => {
    const page = opsPage;
    const q = `q=${encodeURIComponent(client.email)}`;
    await page.goto(`${app.url}/ops/deposits?${q}`);
    const deposit = await page.getAttribute('tbody tr[data-deposit-id]', 'data-deposit-id');
    await page.goto(`${app.url}/ops/bank-accounts?status=&${q}`);
    const account = await page.getAttribute('tbody tr[data-bank-account-id]', 'data-bank-account-id');
    const pages = [
      `/ops/deposits?${q}`,
      `/ops/deposits?${q}&sort=client`,
      `/ops/bank-accounts?status=&${q}`,
      `/ops/bank-accounts?status=&${q}&sort=created&dir=asc`,
      `/ops/deposits/${deposit}`,
      `/ops/bank-accounts/${account}`,
      `/ops/kyc/${client.id}`,
    ];
    for (const path of pages) {
      const answer = await page.goto(`${app.url}${path}`);
      expect(answer?.status(), path).toBe(200);
      const text = (await page.textContent('main')) ?? '';
      expect(text, path).toContain(name);
      expect(text, path).not.toContain(client.id);
    }
  });
  /** The live receipt tasks of this file's client's deposits, in the order `orderBy` names. */
  async function clientTasks(orderBy: string): Promise<{ id: string; subject_id: string }[]> {
    const { rows } = await app.pool.query<{ id: string; subject_id: string }>(
      `SELECT t.id, t.subject_id FROM task t JOIN lifecycle l ON l.workflow_id = t.workflow_id
        WHERE l.owner_id = $1 AND t.kind = 'deposit.confirm_receipt' AND t.status IN ('open', 'claimed')
        ORDER BY ${orderBy}`,
      [client.id],
    );
    return rows;
  }

  it('sorts the task inbox by a header link, both ways, names the assignee, CSV in the same order', async () => {
    // Each announced deposit opens a receipt task (its workflow does, a moment after the answer).
    await expect.poll(async () => (await clientTasks('t.id')).length, { timeout: 20_000 }).toBe(4);
    const claimed = (await clientTasks('t.created_at, t.id'))[1]!;
    const token = (await app.login(claimer)).accessToken;
    const claim = await app.api(`/api/v1/tasks/${claimed.id}/claim`, { method: 'POST', token });
    expect(claim.status, claim.text).toBe(200);

    const page = opsPage;
    // The bank accounts' verification tasks are the client's too: the kind filter leaves them out.
    const q = `q=${encodeURIComponent(client.email)}&kind=deposit.confirm_receipt`;
    await page.goto(`${app.url}/ops/tasks?${q}`);
    const subjects = async () =>
      page
        .locator('tbody tr[data-subject-id]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-subject-id')));
    expect(await subjects()).toHaveLength(4);
    expect(await page.textContent('[data-testid=inbox-counts]')).toContain('Confirm wire receipt');

    await page.click('thead a[data-sort=created]');
    await page.waitForURL(/sort=created/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(client.email);
    const oldestFirst = (await clientTasks('t.created_at, t.id')).map((t) => t.subject_id);
    expect(await subjects()).toEqual(oldestFirst);
    expect(await page.getAttribute('thead th[aria-sort]', 'aria-sort')).toBe('ascending');
    await page.click('thead a[data-sort=created]');
    await page.waitForURL(/dir=desc/);
    expect(await subjects()).toEqual([...oldestFirst].reverse());

    // By assignee: the unclaimed first, then the claimed one, named (never by id).
    await page.click('thead a[data-sort=assignee]');
    await page.waitForURL(/sort=assignee/);
    const assigned = page.locator('tbody tr[data-subject-id]').last();
    expect(await assigned.getAttribute('data-subject-id')).toBe(claimed.subject_id);
    expect(await assigned.locator('td[data-field=assignee]').textContent()).toContain(claimerName);
    expect((await page.textContent('main')) ?? '').not.toContain(claimer.id);
    await page.screenshot({ path: `${SCREENSHOTS}/ops-tasks-by-assignee.png`, fullPage: true });

    const csv = await page.request.get(`${app.url}/ops/tasks.csv?${q}&sort=created&dir=asc`);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]!.split(',')[4]).toBe('subject_id');
    expect(lines.slice(1).map((line) => line.split(',')[4])).toEqual(oldestFirst);
    // The summary as the inbox reads it: the amount grouped with its asset (so the cell is quoted).
    const summaries = lines.slice(1).map((line) => parseCsvLine(line)[5]);
    expect(summaries).toContainEqual(expect.stringMatching(/^Confirm receipt of 1,234,567\.80 EUR \(/));
    expect(summaries.join('\n')).not.toContain('1234567.80');

    const refused = await page.goto(`${app.url}/ops/tasks?sort=workflow_id`);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('body')).toContain('cannot sort by');
  });

  it('sorts the audit log by a header link, both ways, and names the actor', async () => {
    // The claim of the previous test and the claimer's sign-in are entries by the claimer.
    const page = await signInWithoutJs(auditor);
    try {
      await page.goto(`${app.url}/audit/log?q=${encodeURIComponent(claimer.email)}`);
      const actions = async () =>
        (await page.locator('tbody tr[data-audit-seq] td:nth-child(4)').allTextContents()).map((t) =>
          t.trim(),
        );
      expect((await actions()).length).toBeGreaterThanOrEqual(2);
      expect(await actions()).toContain('task.claim');

      await page.click('thead a[data-sort=action]');
      await page.waitForURL(/sort=action/);
      const ascending = await actions();
      expect(ascending).toEqual([...ascending].sort());
      await page.click('thead a[data-sort=action]');
      await page.waitForURL(/dir=desc/);
      expect(await actions()).toEqual([...ascending].sort().reverse());

      const actors = await page.locator('tbody tr[data-audit-seq] td[data-field=actor]').allTextContents();
      for (const actor of actors) {
        expect(actor).toContain(claimerName);
        expect(actor).not.toContain(claimer.id);
      }
      await page.screenshot({ path: `${SCREENSHOTS}/audit-log-by-action.png`, fullPage: true });

      const refused = await page.goto(`${app.url}/audit/log?sort=hash`);
      expect(refused?.status()).toBe(400);
    } finally {
      await page.context().close();
    }
  });
  it('sorts the user list, the order blotter and the settlement exceptions; their CSVs download', async () => {
    const admin = await app.createUser('admin');
    const page = await signInWithoutJs(admin);
    try {
      await page.goto(`${app.url}/admin/users?q=${encodeURIComponent('Ines Claimer')}`);
      expect(await page.textContent('[data-testid=users]')).toContain(claimerName);
      await page.goto(`${app.url}/admin/users?role=operations`);
      await page.click('thead a[data-sort=name]');
      await page.waitForURL(/sort=name/);
      expect(new URL(page.url()).searchParams.get('role')).toBe('operations');
      const names = (
        await page.locator('[data-testid=users] tbody td:first-child strong').allTextContents()
      ).map((n) => n.toLowerCase());
      expect(names.length).toBeGreaterThanOrEqual(2);
      expect(names).toEqual([...names].sort());
      expect((await page.goto(`${app.url}/admin/users?role=overlord`))?.status()).toBe(400);
      expect(await page.textContent('body')).toContain('role is one of');

      for (const path of [
        '/ops/orders?sort=quantity&dir=desc',
        '/ops/settlements?status=&sort=cutoff&dir=asc',
      ]) {
        expect((await page.goto(`${app.url}${path}`))?.status(), path).toBe(200);
        expect(await page.getAttribute('thead th[aria-sort]', 'aria-sort'), path).toMatch(/ending$/);
      }
      expect((await page.goto(`${app.url}/ops/orders?sort=attributes`))?.status()).toBe(400);

      for (const [path, header] of [
        ['/admin/users.csv?sort=email', 'id,email,name,role,status,two_factor,created_at'],
        ['/ops/orders.csv?sort=price&dir=asc', 'id,created_at,client,client_id'],
        ['/ops/settlements.csv?status=', 'id,client_email,client_id,batch_id'],
        [`/audit/log.csv?q=${encodeURIComponent(claimer.email)}&sort=action`, 'seq,at,actor_email'],
        ['/ops/settlement-batches.csv?sort=cutoff&dir=asc', 'batch_id,cutoff,origin,status,trades'],
        ['/ops/reconciliations.csv', 'reconciliation_id,account_code,format,status'],
      ] as const) {
        const csv = await page.request.get(`${app.url}${path}`);
        expect(csv.status(), path).toBe(200);
        expect(await csv.text(), path).toMatch(new RegExp(`^${header}`));
      }
    } finally {
      await page.context().close();
    }
  });

  it('downloads the market makers, API keys, instruments and notifications as CSV, linked from each page', async () => {
    const admin = await app.createUser('admin');
    const adminToken = (await app.login(admin)).accessToken;
    const issued = await app.api('/api/v1/admin/api-keys', {
      method: 'POST',
      token: adminToken,
      json: { ownerId: client.id, name: 'csv bot', scopes: ['orders:read'] },
    });
    expect(issued.status, issued.text).toBe(201);
    const { key, apiKey } = issued.body as { key: string; apiKey: { id: string; prefix: string } };
    // The catalogue's instruments, as the server puts them in at start.
    await ensureInstruments(app.pool);
    // A notification of the admin's own, with a comma in its body (a quoted cell).
    const event = await app.pool.query<{ id: string }>(
      `INSERT INTO outbox_event (type, owner_id, dispatched_at) VALUES ('task.overdue', $1, now()) RETURNING id`,
      [admin.id],
    );
    const title = `Overdue ${randomUUID().slice(0, 6)}`;
    await app.pool.query(
      `INSERT INTO notification (event_id, user_id, type, title, body, link)
       VALUES ($1, $2, 'task.overdue', $3, 'A task waits, past its due time', '/ops/tasks')`,
      [event.rows[0]!.id, admin.id, title],
    );

    const page = await signInWithoutJs(admin);
    try {
      const download = async (path: string) => {
        expect((await page.goto(`${app.url}${path}`))?.status(), path).toBe(200);
        const href = await page.getAttribute('a[download][href$=".csv"]', 'href');
        expect(href, path).toBe(`${path}.csv`);
        const csv = await page.request.get(`${app.url}${href}`);
        expect(csv.status(), href!).toBe(200);
        expect(csv.headers()['content-type']).toContain('text/csv');
        return csv.text();
      };

      const keysText = await download('/ops/api-keys');
      expect(keysText).not.toContain(key);
      const keys = csvRecords(keysText);
      expect(keys.header).toEqual([
        'id',
        'name',
        'prefix',
        'owner',
        'owner_email',
        'owner_id',
        'scopes',
        'rate_limit_per_minute',
        'status',
        'created_at',
        'last_used_at',
        'expires_at',
        'revoked_at',
      ]);
      expect(keys.records.find((k) => k.id === apiKey.id)).toMatchObject({
        name: 'csv bot',
        prefix: apiKey.prefix,
        owner: `${name} <${client.email}>`,
        owner_email: client.email,
        owner_id: client.id,
        scopes: 'orders:read',
        status: 'active',
        last_used_at: '',
        revoked_at: '',
      });

      const makers = csvRecords(await download('/ops/market-makers'));
      expect(makers.header.slice(0, 3)).toEqual(['client_id', 'client', 'client_email']);
      expect(makers.records.find((m) => m.client_id === client.id)).toMatchObject({
        client: `${name} <${client.email}>`,
        client_email: client.email,
        keys: '1',
        active_keys: '1',
        last_key_use_at: '',
        orders_today: '0',
        open_orders: '0',
      });

      const instruments = csvRecords(await download('/ops/instruments'));
      expect(instruments.header.slice(0, 7)).toEqual([
        'symbol',
        'name',
        'asset',
        'venue',
        'quote_asset',
        'last_price',
        'reference_price',
      ]);
      const listed = (await app.api('/api/v1/instruments', { token: adminToken })).body as {
        items: { symbol: string; quoteAsset: string; referencePrice: string; status: string }[];
      };
      expect(instruments.records.map((i) => i.symbol)).toEqual(listed.items.map((i) => i.symbol));
      const first = listed.items[0]!;
      expect(instruments.records[0]).toMatchObject({
        quote_asset: first.quoteAsset,
        reference_price: first.referencePrice,
        status: first.status,
      });
      // A decimal string of the quote asset, not the page's grouped text.
      expect(instruments.records[0]!.reference_price).toMatch(/^\d+(\.\d+)?$/);

      const notes = csvRecords(await download('/ops/notifications'));
      expect(notes.header).toEqual(['id', 'created_at', 'type', 'title', 'body', 'link', 'read_at']);
      expect(notes.records.find((n) => n.title === title)).toMatchObject({
        type: 'task.overdue',
        body: 'A task waits, past its due time',
        link: '/ops/tasks',
        read_at: '',
      });
      // The auditor's CSV holds none of the admin's notifications.
      const other = await signInWithoutJs(auditor);
      try {
        const theirs = await other.request.get(`${app.url}/ops/notifications.csv`);
        expect(await theirs.text()).not.toContain(title);
        // An admin's list: anyone else is sent to their own home, never given the file.
        const refused = await other.request.get(`${app.url}/ops/api-keys.csv`, { maxRedirects: 0 });
        expect(refused.status()).toBe(302);
      } finally {
        await other.context().close();
      }
    } finally {
      await page.context().close();
    }
  });
});
