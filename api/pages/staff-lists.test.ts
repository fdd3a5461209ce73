// A staff list page (sorted or searched: api/pages/staff-lists.ts) reads its rows' lifecycles as one
// set, so a page costs the same few queries however many rows it has. It once read row by row
// through `get`, four queries a row (41 for the deposits list's 10 rows). Views, order and
// visibility stay those of `get`.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleSortOf } from '../../db/lists/lifecycle-lists.js';
import type { Sort } from '../../db/lists/sorting.js';
import { closePool, getPool } from '../../db/pool.js';
import { insertUser } from '../../db/users/index.js';
import type { AppDeps } from '../deps.js';
import { depositWebServices } from './deposits.js';
import { kycWebServices } from './kyc.js';
import type { WebUser } from './load-context.js';
import type { StaffListQuery } from './staff-lists.js';

const pool = getPool();

afterAll(async () => {
  await closePool();
});

/** `pool` whose queries are counted (every read of the services goes through pool.query). */
function countingPool(): { pool: pg.Pool; queries: () => number } {
  let queries = 0;
  const counted = new Proxy(pool, {
    get(target, property) {
      if (property === 'query')
        return (...args: Parameters<pg.Pool['query']>) => {
          queries += 1;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: counted, queries: () => queries };
}

/** A staff list page of the search `text` in `sort`'s order, and how many queries it took. */
async function countedPage<V>(
  lists: (deps: AppDeps) => { page: (user: WebUser, query: StaffListQuery) => Promise<{ items: V[] }> },
  viewer: WebUser,
  text: string,
  sort: Sort,
): Promise<{ items: V[]; queries: number }> {
  const counted = countingPool();
  const page = await lists({ pool: counted.pool } as AppDeps).page(viewer, { text, sort, limit: 50 });
  return { items: page.items, queries: counted.queries() };
}

async function user(email: string, role: 'client' | 'operations'): Promise<WebUser> {
  const id = await insertUser(pool, { email, passwordHash: 'x', role, displayName: email });
  if (!id) throw new Error(`${email} exists`);
  return { id, email, role };
}

/** `n` deposits of `owner` whose reference holds `tag`, each with two transitions and a task. */
async function deposits(owner: WebUser, tag: string, n: number): Promise<void> {
  await pool.query(
    `WITH made AS (
       INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
       SELECT 'deposit-' || b, 'deposit', b, $1, 'ON_HOLD',
              jsonb_build_object('amount', n || '.00', 'currency', 'EUR', 'reference', $2 || '-' || n), t, t, 2
         FROM generate_series(1, $3::int) AS n,
              LATERAL (SELECT gen_random_uuid()::text AS b, now() - n * interval '1 minute' AS t) x
       RETURNING workflow_id, business_id, created_at),
     events AS (
       INSERT INTO lifecycle_event (workflow_id, seq, at, from_status, to_status, actor_id, actor_role, reason, data)
       SELECT workflow_id, s, created_at + s * interval '1 second', CASE s WHEN 2 THEN 'PENDING' END,
              CASE s WHEN 1 THEN 'PENDING' ELSE 'ON_HOLD' END, $1, 'client', NULL,
              jsonb_build_object('action', CASE s WHEN 1 THEN 'create' ELSE 'confirm' END)
         FROM made, generate_series(1, 2) AS s)
     INSERT INTO task (kind, workflow_id, subject_type, subject_id, required_role, created_at, summary, priority)
     SELECT 'aml_review', workflow_id, 'deposit', business_id, 'aml_officer', created_at, 'review', 0 FROM made`,
    [owner.id, tag, n],
  );
}

/** A KYC review in PENDING_REVIEW for each client (business id: the client's id). */
async function kycReviews(clients: readonly WebUser[]): Promise<void> {
  await pool.query(
    `INSERT INTO lifecycle (workflow_id, type, business_id, owner_id, status, attributes, created_at, updated_at, last_seq)
     SELECT 'kyc-' || c, 'kyc', c, c::uuid, 'PENDING_REVIEW', '{}'::jsonb, now(), now(), 1
       FROM unnest($1::text[]) AS c`,
    [clients.map((c) => c.id)],
  );
}

describe('a staff list page reads its rows as one set (api/pages/staff-lists.ts)', () => {
  it('costs the same few queries for 12 deposits as for 2, with the views and order of get', async () => {
    const domain = `sl-${randomUUID().slice(0, 8)}.test`;
    const staff = await user(`ops@${domain}`, 'operations');
    const client = await user(`ann@${domain}`, 'client');
    const few = `few-${randomUUID().slice(0, 8)}`;
    const many = `many-${randomUUID().slice(0, 8)}`;
    await deposits(client, few, 2);
    await deposits(client, many, 12);
    const sort = lifecycleSortOf('deposit', 'created', 'asc');

    const read = (text: string) => countedPage((deps) => depositWebServices(deps).lists, staff, text, sort);
    const small = await read(few);
    const large = await read(many);
    expect(small.items).toHaveLength(2);
    expect(large.items).toHaveLength(12);
    // The search, the lifecycles, their events and their tasks (41 for 10 rows read one by one).
    expect(large.queries).toBe(small.queries);
    expect(large.queries).toBeLessThanOrEqual(4);

    // Exactly what get answers for each row, oldest first as sorted.
    const services = depositWebServices({ pool } as AppDeps);
    const one = await Promise.all(large.items.map((item) => services.get(staff, item.id)));
    expect(large.items).toEqual(one);
    const created = large.items.map((item) => item.createdAt);
    expect(created).toEqual([...created].sort());
  });

  it('leaves out the rows the viewer may not see, as get does', async () => {
    const domain = `sl-${randomUUID().slice(0, 8)}.test`;
    const ann = await user(`ann@${domain}`, 'client');
    const bob = await user(`bob@${domain}`, 'client');
    const tag = `mine-${randomUUID().slice(0, 8)}`;
    await deposits(ann, tag, 3);
    await deposits(bob, tag, 2);
    const services = depositWebServices({ pool } as AppDeps);
    const annSees = await services.lists.search(ann, tag);
    const bobSees = await services.lists.search(bob, tag);
    expect(annSees).toHaveLength(3);
    expect(annSees.every((item) => item.clientId === ann.id)).toBe(true);
    expect(bobSees).toHaveLength(2);
    expect(bobSees.every((item) => item.clientId === bob.id)).toBe(true);
    // What get answers for Ann about Bob's: 404, the reason the page leaves them out.
    await expect(services.get(ann, bobSees[0]!.id)).rejects.toMatchObject({ status: 404 });
  });

  it('reads the KYC review list (documents, emails) in the same queries for 10 clients as for 2', async () => {
    const domain = `sl-${randomUUID().slice(0, 8)}.test`;
    const staff = await user(`ops@${domain}`, 'operations');
    const clients: WebUser[] = [];
    for (let i = 0; i < 12; i += 1)
      clients.push(await user(`c${i}-${i < 2 ? 'few' : 'many'}@${domain}`, 'client'));
    await kycReviews(clients);
    const sort = lifecycleSortOf('kyc', 'client', 'asc');

    const read = (text: string) => countedPage((deps) => kycWebServices(deps).lists, staff, text, sort);
    const small = await read(`-few@${domain}`);
    const large = await read(`-many@${domain}`);
    expect(small.items).toHaveLength(2);
    expect(large.items).toHaveLength(10);
    expect(large.queries).toBe(small.queries);

    const services = kycWebServices({ pool } as AppDeps);
    const one = await Promise.all(large.items.map((item) => services.get(staff, item.clientId)));
    expect(large.items).toEqual(one);
  });
});
