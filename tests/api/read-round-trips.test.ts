// Database round trips per API read (issue 15: flat read latency). Every statement the app's pool
// runs during one request is counted; the hot reads must stay at what they need, so a change that
// adds a query per request (a people lookup per row, a second session check) fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { startApiWorld, type ApiWorld, type Person } from './helpers.js';

let world: ApiWorld;
let client: Person;
const statements: string[] = [];

/** Every statement a client of `pool` sends, in `statements` (each client wrapped once). */
function countStatements(pool: pg.Pool): void {
  const wrapped = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (poolClient) => {
    if (wrapped.has(poolClient)) return;
    wrapped.add(poolClient);
    const query = poolClient.query.bind(poolClient) as (...args: unknown[]) => unknown;
    (poolClient as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      statements.push(typeof first === 'string' ? first : String((first as { text?: string })?.text));
      return query(...args);
    };
  });
}

/** The statements one request ran (the second of two: the session check's cache is warm). */
async function statementsOf(path: string): Promise<string[]> {
  expect((await world.as(client, path)).status).toBe(200);
  statements.length = 0;
  const answer = await world.as(client, path);
  expect(answer.status, answer.text).toBe(200);
  return [...statements];
}

beforeAll(async () => {
  world = await startApiWorld();
  countStatements(world.app.pool);
  client = await world.person('client');
  for (const amount of ['10.00', '20.00', '30.00']) {
    const created = await world.as(client, '/deposits', {
      method: 'POST',
      json: { amount, currency: 'EUR' },
      idempotencyKey: `read-round-trips-${client.id}-${amount}`,
    });
    expect(created.status, created.text).toBe(201);
  }
});

afterAll(async () => {
  await world?.stop();
});

describe('database round trips per read', () => {
  it('GET /balances: one statement (the running totals), the session check cached', async () => {
    const ran = await statementsOf('/balances');
    expect(ran, ran.join('\n---\n')).toHaveLength(1);
  });

  it('concurrent reads of a session not checked yet ask for the session once', async () => {
    // A new sign-in: its session is in no cache yet, as after every SESSION_CHECK_TTL_MS.
    const fresh = await world.person('client');
    statements.length = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, () => world.as(fresh, '/balances')));
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    const sessionChecks = statements.filter((text) => text.includes('FROM refresh_token'));
    expect(sessionChecks).toHaveLength(1);
    expect(statements).toHaveLength(1 + answers.length);
  });

  it('GET /deposits: one statement for the page, whatever its length', async () => {
    const ran = await statementsOf('/deposits');
    expect((await world.as(client, '/deposits')).body.items).toHaveLength(3);
    expect(ran, ran.join('\n---\n')).toHaveLength(1);
  });
});
