// The overspend race: 50 withdrawal requests at once against a balance that covers 10. The ledger
// hold each workflow places first locks the client's account, so exactly 10 are accepted and the
// other 40 answer 422 insufficient_funds; available never goes negative and the books balance.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureClientAccounts,
  ensureSystemAccounts,
  getClientBalances,
  trialBalance,
} from '../../db/ledger/index.js';
import { clearedDeposit } from '../support/ledger-funds.js';
import {
  expectBooksBalanced,
  expectError,
  post,
  startApiWorld,
  type ApiWorld,
  type Person,
} from './helpers.js';

let w: ApiWorld;
let auditor: Person;

beforeAll(async () => {
  // This file is about correctness under contention (50 workflows reserving from one account at
  // once on a small machine), not latency: give each request longer than the usual few seconds
  // before it answers 503 (api/temporal-client.ts temporalCallTimeoutMs).
  process.env.TEMPORAL_CALL_TIMEOUT_MS = '30000';
  w = await startApiWorld();
  auditor = await w.person('auditor');
  await ensureSystemAccounts(w.app.pool);
});

afterAll(async () => {
  await w?.stop();
});

describe('concurrent withdrawal requests', () => {
  it('50 at once against a balance covering 10: exactly 10 accepted, 40 insufficient_funds, never negative', async () => {
    const pool = w.app.pool;
    const client = await w.person('client');
    await pool.query(`UPDATE app_user SET kyc_status = 'APPROVED' WHERE id = $1`, [client.id]);
    const account = await pool.query<{ id: string }>(
      `INSERT INTO bank_account (client_id, iban, bic, account_name, bank_name, country, status)
       VALUES ($1, $2, 'COBADEFFXXX', 'Race Client', 'Commerzbank', 'DE', 'VERIFIED') RETURNING id`,
      [client.id, `DE89370400440${String(randomInt(0, 1e9)).padStart(9, '0')}`],
    );
    const bankAccountId = account.rows[0]!.id;
    await ensureClientAccounts(pool, client.id, 'EUR');
    await clearedDeposit(pool, client.id, 'EUR', 100_000n, `race-fund/${client.id}`);

    // Watch the balance the whole time: it must never go below zero.
    const seen: bigint[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const eur = (await getClientBalances(pool, client.id)).find((b) => b.asset === 'EUR')!;
        seen.push(eur.available);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const body = { amount: '100.00', currency: 'EUR', bankAccountId };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        w.as(client, '/withdrawals', { method: 'POST', json: body, idempotencyKey: `race-${randomUUID()}` }),
      ),
    );
    watching = false;
    await watcher;

    const accepted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const answer of refused) expectError(answer, 422, 'insufficient_funds');
    for (const answer of accepted) expect(answer.body.status).toBe('PENDING_APPROVAL');
    expect(new Set(accepted.map((a) => a.body.id)).size).toBe(10);

    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((available) => available >= 0n)).toBe(true);
    const after = (await getClientBalances(pool, client.id)).find((b) => b.asset === 'EUR')!;
    expect(after).toMatchObject({ available: 0n, pending: 100_000n });

    // Only the accepted ones exist as withdrawals; only they hold funds.
    const list = await w.as(client, '/withdrawals?limit=200');
    expect(list.body.items).toHaveLength(10);
    const holds = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM journal_entry WHERE kind = 'withdrawal.hold' AND workflow_id = ANY($1::text[])`,
      [answers.map((a) => (a.status === 201 ? a.body.workflowId : null)).filter(Boolean)],
    );
    expect(holds.rows[0]!.n).toBe(10);
    const trial = await trialBalance(pool);
    expect(trial.balanced).toBe(true);
    expect(trial.accountsMatchLines).toBe(true);
    await expectBooksBalanced(w, auditor);

    // Releasing them gives everything back.
    for (const answer of accepted) {
      const cancelled = await post(w, client, `/withdrawals/${answer.body.id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
    }
    expect((await getClientBalances(pool, client.id)).find((b) => b.asset === 'EUR')).toMatchObject({
      available: 100_000n,
      pending: 0n,
    });
    await expectBooksBalanced(w, auditor);
  });
});
