// Set-up shared by the trading API tests (orders, market, positions): clients with approved KYC,
// cash from deposit postings and certificates from registry transfers in, order placement, and a
// lock per instrument so the test files, which run in parallel against one database and one book,
// never cross each other's orders.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { ensureClientAccounts, postEntry } from '../../db/ledger/index.js';
import { depositClear, depositConfirm, registryTransferIn } from '../../domain/postings.js';
import type { AssetCode } from '../../domain/money.js';
import type { ApiAnswer } from '../../api/testing.js';
import type { ApiWorld, Person } from './helpers.js';

export interface Funding {
  /** Minor units of EUR. */
  eurMinor?: bigint;
  /** Whole units, by registry transfer in. */
  certificates?: Partial<Record<AssetCode, bigint>>;
  kyc?: string;
}

/** A client with KYC (APPROVED unless told), the cash and the certificates asked for. */
export async function trader(w: ApiWorld, funding: Funding = {}): Promise<Person> {
  const person = await w.person('client');
  const pool = w.app.pool;
  await pool.query('UPDATE app_user SET kyc_status = $2 WHERE id = $1', [
    person.id,
    funding.kyc ?? 'APPROVED',
  ]);
  await ensureClientAccounts(pool, person.id, 'EUR');
  const eur = funding.eurMinor ?? 0n;
  if (eur > 0n) {
    await postEntry(pool, {
      idempotencyKey: `test-fund/${person.id}/confirm`,
      ...depositConfirm(person.id, 'EUR', eur),
    });
    await postEntry(pool, {
      idempotencyKey: `test-fund/${person.id}/clear`,
      ...depositClear(person.id, 'EUR', eur),
    });
  }
  for (const [asset, quantity] of Object.entries(funding.certificates ?? {}) as [AssetCode, bigint][]) {
    await ensureClientAccounts(pool, person.id, asset);
    await postEntry(pool, {
      idempotencyKey: `test-transfer-in/${person.id}/${asset}`,
      ...registryTransferIn(person.id, asset, quantity, `TEST-${asset}`),
    });
  }
  return person;
}

/** Answers that store nothing under the key (api/idempotency.ts): the same request again is safe. */
const isTransient = (answer: ApiAnswer) =>
  answer.status === 503 || (answer.status === 409 && answer.body?.error?.code === 'request_in_progress');

/**
 * POST /orders, retried with the same key while the answer is transient (a busy test machine can
 * take longer than the request's Temporal deadline): what a careful client does.
 */
export async function place(
  w: ApiWorld,
  client: Person,
  body: Record<string, unknown>,
  key: string = randomUUID(),
): Promise<ApiAnswer> {
  const attempts = 10;
  for (let attempt = 1; ; attempt++) {
    const answer = await w.as(client, '/orders', { method: 'POST', json: body, idempotencyKey: key });
    if (!isTransient(answer) || attempt === attempts) return answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Places and expects 201; the order. */
export async function placed(w: ApiWorld, client: Person, body: Record<string, unknown>) {
  const answer = await place(w, client, body);
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

/** The person's balance row of `asset` (zeros when there is none). */
export async function balance(w: ApiWorld, person: Person, asset: string, reader: Person = person) {
  const query = reader.id === person.id ? '' : `?clientId=${person.id}`;
  const answer = await w.as(reader, `/balances${query}`);
  expect(answer.status, answer.text).toBe(200);
  return (
    answer.body.items.find((b: { asset: string }) => b.asset === asset) ?? {
      asset,
      available: '0',
      held: '0',
      pending: '0',
      pendingSettlement: '0',
    }
  );
}

/** Polls GET /orders/:id until `done` holds (a resting order hears of its fills by Signal). */
export async function waitForOrder(
  w: ApiWorld,
  reader: Person,
  id: string,
  done: (order: { status: string; [key: string]: unknown }) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await w.as(reader, `/orders/${id}`);
    expect(answer.status, answer.text).toBe(200);
    if (done(answer.body) || Date.now() > deadline) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { withInstrument } from '../support/instrument-lock.js';

/** Cancels every working order of `client` (what a scenario leaves resting). */
export async function cancelWorking(w: ApiWorld, client: Person): Promise<void> {
  const list = await w.as(client, '/orders?limit=200');
  expect(list.status, list.text).toBe(200);
  for (const order of list.body.items as { id: string; status: string }[]) {
    if (order.status === 'ROUTED' || order.status === 'PARTIALLY_FILLED') {
      const answer = await w.as(client, `/orders/${order.id}/cancel`, { method: 'POST', json: {} });
      expect([200, 409], answer.text).toContain(answer.status);
    }
  }
}
