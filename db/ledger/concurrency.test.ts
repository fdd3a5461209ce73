import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientAccountCode,
  fee,
  withdrawalHold,
  withdrawalPost,
  withdrawalVoid,
} from '../../domain/postings.js';
import {
  LedgerError,
  ensureSystemAccounts,
  getClientBalances,
  holdEntry,
  listEntries,
  postEntry,
  postHold,
  trialBalance,
  voidHold,
  type Db,
} from './index.js';
import { accountOf, fundedClient, scratchAccount, testPool, uniqueKey } from './test-support.js';

// Real parallel transactions on a pool of 12 connections: the account row locks must serialize the
// postings so that exactly the affordable ones succeed, with no deadlock and no lost update.

let db: Db;

beforeAll(async () => {
  db = testPool(12);
  await ensureSystemAccounts(db);
});

afterAll(async () => {
  await db.end();
});

function codeOf(reason: unknown): string {
  return reason instanceof LedgerError ? reason.code : `unexpected: ${String(reason)}`;
}

describe('concurrent postings', () => {
  it('50 racing debits of 100 on a balance of 1000: exactly 10 succeed', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        postEntry(db, { idempotencyKey: uniqueKey(`drain-${i}`), ...fee(clientId, 'EUR', 100n, `#${i}`) }),
      ),
    );
    const succeeded = results.filter((r) => r.status === 'fulfilled');
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []));
    expect(succeeded).toHaveLength(10);
    expect(failures).toEqual(Array.from({ length: 40 }, () => 'insufficient_funds'));

    const [balance] = await getClientBalances(db, clientId);
    expect(balance).toMatchObject({ asset: 'EUR', available: 0n, pending: 0n });
    const available = await accountOf(db, clientAccountCode(clientId, 'EUR', 'available'));
    expect(available).toMatchObject({ debitsPosted: 1000n, creditsPosted: 1000n });
    const trial = await trialBalance(db);
    expect(trial.mismatchedAccounts).toEqual([]);
    expect(trial.balanced).toBe(true);
  });

  it('racing holds and postings share the same balance', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? holdEntry(db, { idempotencyKey: uniqueKey('h'), ...withdrawalHold(clientId, 'EUR', 100n) })
          : postEntry(db, { idempotencyKey: uniqueKey('p'), ...fee(clientId, 'EUR', 100n, 'x') }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const [balance] = await getClientBalances(db, clientId);
    expect(balance!.available).toBe(0n);
  });

  it('one key sent 20 times at once records one entry and answers every caller with it', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const key = uniqueKey('dup');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        postEntry(db, { idempotencyKey: key, ...fee(clientId, 'EUR', 100n, 'once') }),
      ),
    );
    expect(new Set(results.map((e) => e.id)).size).toBe(1);
    const [balance] = await getClientBalances(db, clientId);
    expect(balance!.available).toBe(900n);
    const listed = await listEntries(db, { clientId, limit: 50 });
    expect(listed.items.filter((e) => e.idempotencyKey === key)).toHaveLength(1);
  });

  it('racing post and void of one hold: exactly one wins', async () => {
    for (let round = 0; round < 5; round += 1) {
      const clientId = await fundedClient(db, 'EUR', 500n);
      const hold = await holdEntry(db, {
        idempotencyKey: uniqueKey('h'),
        ...withdrawalHold(clientId, 'EUR', 500n),
      });
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? postHold(db, { idempotencyKey: uniqueKey('post'), holdEntryId: hold.id, ...withdrawalPost() })
            : voidHold(db, {
                idempotencyKey: uniqueKey('void'),
                holdEntryId: hold.id,
                ...withdrawalVoid('race'),
              }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []));
      expect(new Set(failures)).toEqual(new Set(['hold_not_pending']));
      const [balance] = await getClientBalances(db, clientId);
      expect(balance!.pending).toBe(0n);
      expect([0n, 500n]).toContain(balance!.available);
    }
  });

  it('transfers in opposite directions between the same accounts do not deadlock', async () => {
    const a = await scratchAccount(db, 'USD', 'a');
    const b = await scratchAccount(db, 'USD', 'b');
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        postEntry(db, {
          idempotencyKey: uniqueKey('pingpong'),
          kind: 't',
          description: '',
          // Both accounts in every entry, listed in alternating order.
          transfers:
            i % 2 === 0
              ? [
                  { debit: a, credit: b, amount: 7n },
                  { debit: b, credit: a, amount: 3n },
                ]
              : [
                  { debit: b, credit: a, amount: 7n },
                  { debit: a, credit: b, amount: 3n },
                ],
        }),
      ),
    );
    const accountA = await accountOf(db, a);
    expect(accountA.debitsPosted).toBe(30n * 7n + 30n * 3n);
    expect(accountA.creditsPosted).toBe(30n * 3n + 30n * 7n);
  });
});
