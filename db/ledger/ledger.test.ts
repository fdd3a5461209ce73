import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientAccountCode,
  depositClear,
  depositConfirm,
  depositReturn,
  fee,
  orderReserve,
  orderReservePost,
  orderReserveRelease,
  reconAdjust,
  settlementDeliver,
  tradeFill,
  withdrawalHold,
  withdrawalPost,
  withdrawalVoid,
} from '../../domain/postings.js';
import {
  LedgerError,
  ensureAccount,
  ensureClientAccounts,
  ensureSystemAccounts,
  expireHolds,
  getClientBalances,
  getEntry,
  holdEntry,
  listEntries,
  postEntries,
  postEntry,
  postHold,
  reverseEntry,
  trialBalance,
  voidHold,
  type Db,
} from './index.js';
import {
  accountOf,
  fundedClient,
  ledgerErrorOf,
  scratchAccount,
  testPool,
  uniqueKey,
} from './test-support.js';

let db: Db;

beforeAll(async () => {
  db = testPool();
  await ensureSystemAccounts(db);
});

afterAll(async () => {
  await db.end();
});

async function balanceOf(clientId: string, asset = 'EUR') {
  const balances = await getClientBalances(db, clientId);
  const balance = balances.find((b) => b.asset === asset);
  if (!balance) throw new Error(`no ${asset} balance for ${clientId}`);
  return balance;
}

async function expectBooksBalanced(): Promise<void> {
  const trial = await trialBalance(db);
  expect(trial.mismatchedAccounts).toEqual([]);
  expect(trial.unbalancedPendingAssets).toEqual([]);
  for (const asset of trial.assets) expect(asset.debits).toBe(asset.credits);
  expect(trial.balanced).toBe(true);
}

describe('postings', () => {
  it('records a deposit: entry, lines, account totals, client balances', async () => {
    const clientId = randomUUID();
    await ensureClientAccounts(db, clientId, 'EUR');
    const omnibusBefore = await accountOf(db, 'bank:omnibus:EUR');
    const workflowId = `deposit-${clientId}`;

    const confirmed = await postEntry(db, {
      idempotencyKey: uniqueKey('deposit.confirm'),
      workflowId,
      runId: 'run-1',
      activity: 'confirmDeposit',
      ...depositConfirm(clientId, 'EUR', 125050n),
    });
    expect(confirmed).toMatchObject({
      kind: 'deposit.confirm',
      status: 'posted',
      workflowId,
      runId: 'run-1',
      activity: 'confirmDeposit',
      pendingEntryId: null,
      holdState: null,
      lines: [
        { accountCode: 'bank:omnibus:EUR', asset: 'EUR', debit: 125050n, credit: 0n, pending: false },
        {
          accountCode: clientAccountCode(clientId, 'EUR', 'held'),
          asset: 'EUR',
          debit: 0n,
          credit: 125050n,
          pending: false,
        },
      ],
    });
    expect(await getEntry(db, confirmed.id)).toEqual(confirmed);
    expect(await balanceOf(clientId)).toEqual({
      asset: 'EUR',
      available: 0n,
      held: 125050n,
      pending: 0n,
      pendingSettlement: 0n,
    });

    await postEntry(db, {
      idempotencyKey: uniqueKey('deposit.clear'),
      workflowId,
      ...depositClear(clientId, 'EUR', 125050n),
    });
    expect(await balanceOf(clientId)).toEqual({
      asset: 'EUR',
      available: 125050n,
      held: 0n,
      pending: 0n,
      pendingSettlement: 0n,
    });

    const omnibusAfter = await accountOf(db, 'bank:omnibus:EUR');
    expect(omnibusAfter.debitsPosted - omnibusBefore.debitsPosted).toBeGreaterThanOrEqual(125050n);
    const held = await accountOf(db, clientAccountCode(clientId, 'EUR', 'held'));
    expect(held).toMatchObject({
      debitsPosted: 125050n,
      creditsPosted: 125050n,
      debitsPending: 0n,
      creditsPending: 0n,
    });
    await expectBooksBalanced();
  });

  it('returns a rejected deposit to the bank', async () => {
    const clientId = randomUUID();
    await ensureClientAccounts(db, clientId, 'USD');
    await postEntry(db, { idempotencyKey: uniqueKey('c'), ...depositConfirm(clientId, 'USD', 900n) });
    await postEntry(db, { idempotencyKey: uniqueKey('r'), ...depositReturn(clientId, 'USD', 900n) });
    expect(await balanceOf(clientId, 'USD')).toEqual({
      asset: 'USD',
      available: 0n,
      held: 0n,
      pending: 0n,
      pendingSettlement: 0n,
    });
  });

  it('refuses to overdraw a debits_must_not_exceed_credits account and writes nothing', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const available = clientAccountCode(clientId, 'EUR', 'available');
    const before = await accountOf(db, available);

    const error = await ledgerErrorOf(
      postEntry(db, { idempotencyKey: uniqueKey('fee'), ...fee(clientId, 'EUR', 1001n, 'too much') }),
      'insufficient_funds',
    );
    expect(error.details).toMatchObject({
      accountCode: available,
      asset: 'EUR',
      rule: 'debits_must_not_exceed_credits',
      available: '1000',
      requested: '1001',
    });
    expect(await accountOf(db, available)).toEqual(before);

    // Exactly the balance is fine.
    await postEntry(db, { idempotencyKey: uniqueKey('fee'), ...fee(clientId, 'EUR', 1000n, 'all of it') });
    expect((await balanceOf(clientId)).available).toBe(0n);
  });

  it('counts pending debits against the balance (holds reserve funds)', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    await holdEntry(db, { idempotencyKey: uniqueKey('w'), ...withdrawalHold(clientId, 'EUR', 700n) });
    await ledgerErrorOf(
      postEntry(db, { idempotencyKey: uniqueKey('fee'), ...fee(clientId, 'EUR', 301n, 'x') }),
      'insufficient_funds',
    );
    await postEntry(db, { idempotencyKey: uniqueKey('fee'), ...fee(clientId, 'EUR', 300n, 'x') });
    expect(await balanceOf(clientId)).toMatchObject({ available: 0n, pending: 700n });
  });

  it('refuses credits beyond debits on a credits_must_not_exceed_debits account', async () => {
    const source = await scratchAccount(db, 'EUR', 'source');
    const limited = `test:${randomUUID()}:limited:EUR`;
    await ensureAccount(db, { code: limited, asset: 'EUR', kind: 'asset', creditsMustNotExceedDebits: true });
    await postEntry(db, {
      idempotencyKey: uniqueKey('in'),
      kind: 't',
      description: 'in',
      transfers: [{ debit: limited, credit: source, amount: 50n }],
    });
    const error = await ledgerErrorOf(
      postEntry(db, {
        idempotencyKey: uniqueKey('out'),
        kind: 't',
        description: 'out',
        transfers: [{ debit: source, credit: limited, amount: 51n }],
      }),
      'insufficient_funds',
    );
    expect(error.details).toMatchObject({
      rule: 'credits_must_not_exceed_debits',
      available: '50',
      requested: '51',
    });
    await postEntry(db, {
      idempotencyKey: uniqueKey('out'),
      kind: 't',
      description: 'out',
      transfers: [{ debit: source, credit: limited, amount: 50n }],
    });
  });

  it('checks an entry as a whole: a later transfer may fund an earlier one', async () => {
    const clientId = await fundedClient(db, 'EUR', 0n);
    const source = await scratchAccount(db, 'EUR');
    const available = clientAccountCode(clientId, 'EUR', 'available');
    await postEntry(db, {
      idempotencyKey: uniqueKey('pair'),
      kind: 't',
      description: 'spend then fund',
      transfers: [
        { debit: available, credit: source, amount: 10n },
        { debit: source, credit: available, amount: 10n },
      ],
    });
    expect(await accountOf(db, available)).toMatchObject({ debitsPosted: 10n, creditsPosted: 10n });
  });

  it('refuses mixed assets, unknown accounts, bad amounts and malformed entries', async () => {
    const clientId = await fundedClient(db, 'EUR', 100n);
    const available = clientAccountCode(clientId, 'EUR', 'available');

    const mismatch = await ledgerErrorOf(
      postEntry(db, {
        idempotencyKey: uniqueKey('x'),
        kind: 't',
        description: '',
        transfers: [{ debit: available, credit: 'registry:omnibus:EUA', amount: 1n }],
      }),
      'asset_mismatch',
    );
    expect(mismatch.details).toMatchObject({ debitAsset: 'EUR', creditAsset: 'EUA' });

    const unknown = await ledgerErrorOf(
      postEntry(db, {
        idempotencyKey: uniqueKey('x'),
        kind: 't',
        description: '',
        transfers: [{ debit: available, credit: 'nowhere:EUR', amount: 1n }],
      }),
      'unknown_account',
    );
    expect(unknown.details).toEqual({ accountCodes: ['nowhere:EUR'] });

    for (const amount of [0n, -5n, 2n ** 63n, 5 as unknown as bigint, '5' as unknown as bigint]) {
      await ledgerErrorOf(
        postEntry(db, {
          idempotencyKey: uniqueKey('x'),
          kind: 't',
          description: '',
          transfers: [{ debit: available, credit: 'bank:omnibus:EUR', amount }],
        }),
        'invalid_amount',
      );
    }
    await ledgerErrorOf(
      postEntry(db, { idempotencyKey: uniqueKey('x'), kind: 't', description: '', transfers: [] }),
      'invalid_entry',
    );
    await ledgerErrorOf(
      postEntry(db, {
        idempotencyKey: uniqueKey('x'),
        kind: 't',
        description: '',
        transfers: [{ debit: available, credit: available, amount: 1n }],
      }),
      'invalid_entry',
    );
    await ledgerErrorOf(
      postEntry(db, { idempotencyKey: '', ...fee(clientId, 'EUR', 1n, 'x') }),
      'invalid_entry',
    );
    await ledgerErrorOf(
      postEntry(db, {
        idempotencyKey: uniqueKey('x'),
        kind: 't',
        description: '',
        transfers: Array.from({ length: 65 }, () => ({
          debit: available,
          credit: 'bank:omnibus:EUR',
          amount: 1n,
        })),
      }),
      'limit_exceeded',
    );
    expect((await balanceOf(clientId)).available).toBe(100n);
  });

  it('refuses totals that would not fit in 64 bits', async () => {
    const source = await scratchAccount(db, 'EUR', 'source');
    const sink = await scratchAccount(db, 'EUR', 'sink');
    const big = 2n ** 62n;
    await postEntry(db, {
      idempotencyKey: uniqueKey('big'),
      kind: 't',
      description: '',
      transfers: [{ debit: source, credit: sink, amount: big }],
    });
    await ledgerErrorOf(
      postEntry(db, {
        idempotencyKey: uniqueKey('big'),
        kind: 't',
        description: '',
        transfers: [{ debit: source, credit: sink, amount: big }],
      }),
      'limit_exceeded',
    );
    // Posted plus pending must fit as well (the schema's flag checks add them).
    await ledgerErrorOf(
      holdEntry(db, {
        idempotencyKey: uniqueKey('big'),
        kind: 't',
        description: '',
        transfers: [{ debit: source, credit: sink, amount: big }],
      }),
      'limit_exceeded',
    );
    // Undo, so the asset totals stay far from the limit for other tests.
    await postEntry(db, {
      idempotencyKey: uniqueKey('big'),
      kind: 't',
      description: '',
      transfers: [{ debit: sink, credit: source, amount: big }],
    });
  });
});

describe('idempotency', () => {
  it('answers a repeated key with the first entry and changes nothing', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const key = uniqueKey('fee');
    const first = await postEntry(db, {
      idempotencyKey: key,
      workflowId: 'wf-1',
      runId: 'run-a',
      ...fee(clientId, 'EUR', 100n, 'x'),
    });
    const available = await accountOf(db, clientAccountCode(clientId, 'EUR', 'available'));
    // A retry from a reset run (new run id, other activity) is the same payload.
    const again = await postEntry(db, {
      idempotencyKey: key,
      workflowId: 'wf-1',
      runId: 'run-b',
      activity: 'retry',
      ...fee(clientId, 'EUR', 100n, 'x'),
    });
    expect(again.id).toBe(first.id);
    expect(again.runId).toBe('run-a');
    expect(await accountOf(db, clientAccountCode(clientId, 'EUR', 'available'))).toEqual(available);
    expect(
      (
        await listEntries(db, { accountCode: clientAccountCode(clientId, 'EUR', 'available'), limit: 50 })
      ).items.filter((e) => e.idempotencyKey === key),
    ).toHaveLength(1);
  });

  it('refuses a repeated key with another payload', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const key = uniqueKey('fee');
    await postEntry(db, { idempotencyKey: key, workflowId: 'wf-1', ...fee(clientId, 'EUR', 100n, 'x') });
    for (const variant of [
      { workflowId: 'wf-1', ...fee(clientId, 'EUR', 101n, 'x') },
      { workflowId: 'wf-1', ...fee(clientId, 'EUR', 100n, 'y') },
      { workflowId: 'wf-2', ...fee(clientId, 'EUR', 100n, 'x') },
    ]) {
      const error = await ledgerErrorOf(
        postEntry(db, { idempotencyKey: key, ...variant }),
        'idempotency_conflict',
      );
      expect(error.details).toEqual({ idempotencyKey: key });
    }
    // The same payload as a hold is another operation.
    await ledgerErrorOf(
      holdEntry(db, { idempotencyKey: key, workflowId: 'wf-1', ...fee(clientId, 'EUR', 100n, 'x') }),
      'idempotency_conflict',
    );
    expect((await balanceOf(clientId)).available).toBe(900n);
  });

  it('replays a key even when the payload would now fail its checks', async () => {
    const clientId = await fundedClient(db, 'EUR', 100n);
    const key = uniqueKey('fee');
    const first = await postEntry(db, { idempotencyKey: key, ...fee(clientId, 'EUR', 100n, 'x') });
    expect((await postEntry(db, { idempotencyKey: key, ...fee(clientId, 'EUR', 100n, 'x') })).id).toBe(
      first.id,
    );
  });
});

describe('batches', () => {
  it('postEntries applies in order in one transaction and answers repeated keys', async () => {
    const clientId = await fundedClient(db, 'EUR', 0n);
    const source = await scratchAccount(db, 'EUR');
    const available = clientAccountCode(clientId, 'EUR', 'available');
    const fund = {
      idempotencyKey: uniqueKey('b'),
      kind: 't',
      description: 'fund',
      transfers: [{ debit: source, credit: available, amount: 100n }],
    };
    const spend = {
      idempotencyKey: uniqueKey('b'),
      ...fee(clientId, 'EUR', 100n, 'spend what the batch funded'),
    };
    const entries = await postEntries(db, [fund, spend, fund]);
    expect(entries).toHaveLength(3);
    expect(entries[2]!.id).toBe(entries[0]!.id);
    expect((await balanceOf(clientId)).available).toBe(0n);
    // Replaying the whole batch changes nothing.
    const replay = await postEntries(db, [fund, spend]);
    expect(replay.map((e) => e.id)).toEqual([entries[0]!.id, entries[1]!.id]);
  });

  it('postEntries is all or nothing', async () => {
    const clientId = await fundedClient(db, 'EUR', 100n);
    const keys = [uniqueKey('b'), uniqueKey('b'), uniqueKey('b')];
    await ledgerErrorOf(
      postEntries(db, [
        { idempotencyKey: keys[0]!, ...fee(clientId, 'EUR', 60n, 'a') },
        { idempotencyKey: keys[1]!, ...fee(clientId, 'EUR', 30n, 'b') },
        { idempotencyKey: keys[2]!, ...fee(clientId, 'EUR', 20n, 'c') },
      ]),
      'insufficient_funds',
    );
    expect((await balanceOf(clientId)).available).toBe(100n);
    await ledgerErrorOf(
      postEntries(db, [
        { idempotencyKey: keys[0]!, ...fee(clientId, 'EUR', 60n, 'a') },
        { idempotencyKey: keys[0]!, ...fee(clientId, 'EUR', 61n, 'a') },
      ]),
      'idempotency_conflict',
    );
  });
});

describe('holds', () => {
  it('posts a hold in full', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const workflowId = `withdrawal-${randomUUID()}`;
    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('w.hold'),
      workflowId,
      ...withdrawalHold(clientId, 'EUR', 400n),
    });
    expect(hold).toMatchObject({ status: 'pending', holdState: 'pending', resolvedByEntryId: null });
    expect(hold.lines.every((line) => line.pending)).toBe(true);
    expect(await balanceOf(clientId)).toMatchObject({ available: 600n, pending: 400n });

    const posted = await postHold(db, {
      idempotencyKey: uniqueKey('w.post'),
      holdEntryId: hold.id,
      workflowId,
      ...withdrawalPost(),
    });
    expect(posted).toMatchObject({
      status: 'post_pending',
      pendingEntryId: hold.id,
      lines: [
        {
          accountCode: clientAccountCode(clientId, 'EUR', 'available'),
          debit: 400n,
          credit: 0n,
          pending: false,
        },
        { accountCode: 'bank:omnibus:EUR', debit: 0n, credit: 400n, pending: false },
      ],
    });
    expect(await balanceOf(clientId)).toMatchObject({ available: 600n, pending: 0n });
    const available = await accountOf(db, clientAccountCode(clientId, 'EUR', 'available'));
    expect(available).toMatchObject({ debitsPosted: 400n, debitsPending: 0n, creditsPosted: 1000n });
    expect(await getEntry(db, hold.id)).toMatchObject({ holdState: 'posted', resolvedByEntryId: posted.id });
    await expectBooksBalanced();
  });

  it('posts part of a hold and releases the rest in the same entry', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('o'),
      ...orderReserve(clientId, 'EUR', 500n),
    });
    expect(await balanceOf(clientId)).toMatchObject({
      available: 500n,
      pending: 500n,
      pendingSettlement: 0n,
    });
    await ledgerErrorOf(
      postHold(db, {
        idempotencyKey: uniqueKey('p'),
        holdEntryId: hold.id,
        amount: 501n,
        ...orderReservePost(),
      }),
      'invalid_amount',
    );
    await ledgerErrorOf(
      postHold(db, {
        idempotencyKey: uniqueKey('p'),
        holdEntryId: hold.id,
        amount: 0n,
        ...orderReservePost(),
      }),
      'invalid_amount',
    );
    const posted = await postHold(db, {
      idempotencyKey: uniqueKey('p'),
      holdEntryId: hold.id,
      amount: 300n,
      ...orderReservePost(),
    });
    expect(posted.lines.map((l) => [l.debit, l.credit])).toEqual([
      [300n, 0n],
      [0n, 300n],
    ]);
    expect(await balanceOf(clientId)).toEqual({
      asset: 'EUR',
      available: 700n,
      held: 0n,
      pending: 0n,
      pendingSettlement: 300n,
    });
    await expectBooksBalanced();
  });

  it('voids a hold', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      ...withdrawalHold(clientId, 'EUR', 1000n),
    });
    expect((await balanceOf(clientId)).available).toBe(0n);
    const voided = await voidHold(db, {
      idempotencyKey: uniqueKey('v'),
      holdEntryId: hold.id.toUpperCase(),
      ...withdrawalVoid('rejected'),
    });
    expect(voided).toMatchObject({ status: 'void_pending', pendingEntryId: hold.id, lines: [] });
    expect(await balanceOf(clientId)).toMatchObject({ available: 1000n, pending: 0n });
    expect(await accountOf(db, clientAccountCode(clientId, 'EUR', 'available'))).toMatchObject({
      debitsPosted: 0n,
      debitsPending: 0n,
    });
    expect((await getEntry(db, hold.id))?.holdState).toBe('voided');
    await expectBooksBalanced();
  });

  it('resolves a hold at most once; the resolving call itself replays', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      ...withdrawalHold(clientId, 'EUR', 100n),
    });
    const postKey = uniqueKey('post');
    const posted = await postHold(db, { idempotencyKey: postKey, holdEntryId: hold.id, ...withdrawalPost() });
    expect(
      (await postHold(db, { idempotencyKey: postKey, holdEntryId: hold.id, ...withdrawalPost() })).id,
    ).toBe(posted.id);

    const again = await ledgerErrorOf(
      postHold(db, { idempotencyKey: uniqueKey('post'), holdEntryId: hold.id, ...withdrawalPost() }),
      'hold_not_pending',
    );
    expect(again.details).toEqual({ holdEntryId: hold.id, state: 'posted', resolvedByEntryId: posted.id });
    await ledgerErrorOf(
      voidHold(db, { idempotencyKey: uniqueKey('void'), holdEntryId: hold.id, ...withdrawalVoid('late') }),
      'hold_not_pending',
    );
    await ledgerErrorOf(
      voidHold(db, {
        idempotencyKey: postKey,
        holdEntryId: hold.id,
        ...withdrawalVoid('same key, other operation'),
      }),
      'idempotency_conflict',
    );
    expect(await balanceOf(clientId)).toMatchObject({ available: 900n, pending: 0n });

    const other = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      ...withdrawalHold(clientId, 'EUR', 100n),
    });
    await voidHold(db, { idempotencyKey: uniqueKey('void'), holdEntryId: other.id, ...withdrawalVoid('x') });
    const state = await ledgerErrorOf(
      postHold(db, { idempotencyKey: uniqueKey('post'), holdEntryId: other.id, ...withdrawalPost() }),
      'hold_not_pending',
    );
    expect(state.details).toMatchObject({ state: 'voided' });
  });

  it('answers hold_not_found for unknown ids and entries that are not holds', async () => {
    const clientId = await fundedClient(db, 'EUR', 100n);
    const posted = await postEntry(db, {
      idempotencyKey: uniqueKey('fee'),
      ...fee(clientId, 'EUR', 1n, 'x'),
    });
    for (const holdEntryId of [randomUUID(), 'not-a-uuid', posted.id]) {
      await ledgerErrorOf(
        postHold(db, { idempotencyKey: uniqueKey('p'), holdEntryId, ...withdrawalPost() }),
        'hold_not_found',
      );
      await ledgerErrorOf(
        voidHold(db, { idempotencyKey: uniqueKey('v'), holdEntryId, ...withdrawalVoid('x') }),
        'hold_not_found',
      );
    }
  });

  it('posts multi-transfer holds in full only', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const sink = await scratchAccount(db, 'EUR', 'sink');
    const available = clientAccountCode(clientId, 'EUR', 'available');
    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('h'),
      kind: 't',
      description: 'two legs',
      transfers: [
        { debit: available, credit: sink, amount: 100n },
        { debit: available, credit: sink, amount: 200n },
      ],
    });
    await ledgerErrorOf(
      postHold(db, {
        idempotencyKey: uniqueKey('p'),
        holdEntryId: hold.id,
        amount: 100n,
        kind: 't',
        description: '',
      }),
      'invalid_amount',
    );
    const posted = await postHold(db, {
      idempotencyKey: uniqueKey('p'),
      holdEntryId: hold.id,
      kind: 't',
      description: '',
    });
    expect(posted.lines).toHaveLength(4);
    expect(await accountOf(db, sink)).toMatchObject({ creditsPosted: 300n, creditsPending: 0n });
    expect((await balanceOf(clientId)).available).toBe(700n);
  });

  it('expires due holds, once, and refuses to post an expired hold', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const workflowId = `withdrawal-${randomUUID()}`;
    await ledgerErrorOf(
      holdEntry(db, {
        idempotencyKey: uniqueKey('w'),
        expiresAt: new Date(Date.now() - 1000),
        ...withdrawalHold(clientId, 'EUR', 1n),
      }),
      'invalid_entry',
    );
    const inAnHour = new Date(Date.now() + 3_600_000);
    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      workflowId,
      expiresAt: inAnHour,
      ...withdrawalHold(clientId, 'EUR', 250n),
    });
    expect(hold.expiresAt?.getTime()).toBe(inAnHour.getTime());
    expect(await expireHolds(db, new Date(Date.now() + 60_000))).toBe(0);
    expect((await getEntry(db, hold.id))?.holdState).toBe('pending');

    const expired = await expireHolds(db, new Date(Date.now() + 2 * 3_600_000));
    expect(expired).toBeGreaterThanOrEqual(1);
    const afterExpiry = await getEntry(db, hold.id);
    expect(afterExpiry?.holdState).toBe('expired');
    const expiry = await getEntry(db, afterExpiry!.resolvedByEntryId!);
    expect(expiry).toMatchObject({
      kind: 'hold.expire',
      status: 'expire_pending',
      workflowId,
      idempotencyKey: `hold.expire:${hold.id}`,
      lines: [],
    });
    expect(await balanceOf(clientId)).toMatchObject({ available: 1000n, pending: 0n });
    expect(await expireHolds(db, new Date(Date.now() + 2 * 3_600_000))).toBe(0);
    await ledgerErrorOf(
      postHold(db, { idempotencyKey: uniqueKey('p'), holdEntryId: hold.id, ...withdrawalPost() }),
      'hold_not_pending',
    );

    // Past expires_at but not yet swept: posting is refused all the same.
    const short = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      expiresAt: new Date(Date.now() + 300),
      ...withdrawalHold(clientId, 'EUR', 10n),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = await ledgerErrorOf(
      postHold(db, { idempotencyKey: uniqueKey('p'), holdEntryId: short.id, ...withdrawalPost() }),
      'hold_not_pending',
    );
    expect(late.details).toMatchObject({ state: 'expired' });
    // Voiding it is still allowed.
    await voidHold(db, {
      idempotencyKey: uniqueKey('v'),
      holdEntryId: short.id,
      ...withdrawalVoid('expired'),
    });
    await expectBooksBalanced();
  });
});

describe('reversal', () => {
  it('reverses a posted entry with a mirrored entry', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const charged = await postEntry(db, {
      idempotencyKey: uniqueKey('fee'),
      ...fee(clientId, 'EUR', 150n, 'by mistake'),
    });
    const reversed = await reverseEntry(db, {
      idempotencyKey: uniqueKey('rev'),
      entryId: charged.id,
      kind: 'fee.reverse',
      description: 'refund',
    });
    expect(reversed).toMatchObject({ status: 'posted', reversesEntryId: charged.id });
    expect(reversed.lines.map((l) => [l.accountCode, l.debit, l.credit])).toEqual(
      charged.lines.map((l) => [l.accountCode, l.credit, l.debit]),
    );
    expect((await balanceOf(clientId)).available).toBe(1000n);

    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      ...withdrawalHold(clientId, 'EUR', 1n),
    });
    await ledgerErrorOf(
      reverseEntry(db, { idempotencyKey: uniqueKey('rev'), entryId: hold.id, kind: 'x', description: '' }),
      'invalid_entry',
    );
  });
});

describe('accounts', () => {
  it('ensureAccount is idempotent and refuses a different definition', async () => {
    const code = `test:${randomUUID()}:a:EUR`;
    const first = await ensureAccount(db, { code, asset: 'EUR', kind: 'asset' });
    const again = await ensureAccount(db, { code, asset: 'EUR', kind: 'asset' });
    expect(again).toEqual(first);
    await ledgerErrorOf(ensureAccount(db, { code, asset: 'USD', kind: 'asset' }), 'idempotency_conflict');
    await ledgerErrorOf(
      ensureAccount(db, { code, asset: 'EUR', kind: 'asset', debitsMustNotExceedCredits: true }),
      'idempotency_conflict',
    );
    await ledgerErrorOf(
      ensureAccount(db, {
        code: `${code}:x`,
        asset: 'EUR',
        kind: 'asset',
        debitsMustNotExceedCredits: true,
        creditsMustNotExceedDebits: true,
      }),
      'invalid_entry',
    );
  });

  it('creates flagged client liabilities and lists balances per asset', async () => {
    const clientId = randomUUID();
    await Promise.all([ensureClientAccounts(db, clientId, 'EUR'), ensureClientAccounts(db, clientId, 'EUR')]);
    await ensureClientAccounts(db, clientId, 'EUA');
    const available = await accountOf(db, clientAccountCode(clientId, 'EUA', 'available'));
    expect(available).toMatchObject({
      kind: 'liability',
      ownerId: clientId,
      asset: 'EUA',
      debitsMustNotExceedCredits: true,
    });
    expect(await getClientBalances(db, clientId)).toEqual([
      { asset: 'EUR', available: 0n, held: 0n, pending: 0n, pendingSettlement: 0n },
      { asset: 'EUA', available: 0n, held: 0n, pending: 0n, pendingSettlement: 0n },
    ]);
    expect(await getClientBalances(db, randomUUID())).toEqual([]);
  });
});

describe('listEntries', () => {
  it('pages newest first by workflow, account and client', async () => {
    const clientId = await fundedClient(db, 'EUR', 1000n);
    const workflowId = `wf-${randomUUID()}`;
    const created = [];
    for (let i = 0; i < 5; i += 1) {
      created.push(
        await postEntry(db, {
          idempotencyKey: uniqueKey('fee'),
          workflowId,
          ...fee(clientId, 'EUR', 1n, `#${i}`),
        }),
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listEntries>> = await listEntries(db, {
        workflowId,
        limit: 2,
        cursor,
      });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(created.map((e) => e.id).reverse());

    const hold = await holdEntry(db, {
      idempotencyKey: uniqueKey('w'),
      ...withdrawalHold(clientId, 'EUR', 5n),
    });
    const voided = await voidHold(db, {
      idempotencyKey: uniqueKey('v'),
      holdEntryId: hold.id,
      ...withdrawalVoid('x'),
    });
    const byClient = await listEntries(db, { clientId, limit: 3 });
    expect(byClient.items.map((e) => e.id)).toEqual([voided.id, hold.id, created[4]!.id]);
    const byAccount = await listEntries(db, {
      accountCode: clientAccountCode(clientId, 'EUR', 'available'),
      limit: 200,
    });
    // 5 fees + hold + void + the clearing of the funding deposit.
    expect(byAccount.items).toHaveLength(8);
    expect(byAccount.nextCursor).toBeNull();
    expect((await listEntries(db, { accountCode: 'no:such:account', limit: 10 })).items).toEqual([]);
    expect((await listEntries(db, { clientId: 'nobody', limit: 10 })).items).toEqual([]);
    await ledgerErrorOf(listEntries(db, { limit: 10, cursor: 'garbage' }), 'invalid_cursor');
    await ledgerErrorOf(listEntries(db, { limit: 501 }), 'limit_exceeded');
    expect(await getEntry(db, randomUUID())).toBeNull();
    expect(await getEntry(db, 'nope')).toBeNull();
  });
});

describe('a full trading round trip through the recipes', () => {
  it('deposit, reserve, partial fill, settle both legs, fee, reconcile', async () => {
    const clientId = randomUUID();
    await ensureClientAccounts(db, clientId, 'EUR');
    await ensureClientAccounts(db, clientId, 'EUA');
    const post = (
      recipe: Parameters<typeof postEntry>[1] extends infer T ? Omit<T, 'idempotencyKey'> : never,
    ) => postEntry(db, { idempotencyKey: uniqueKey(recipe.kind), ...recipe });

    await post(depositConfirm(clientId, 'EUR', 1_000_000n));
    await post(depositClear(clientId, 'EUR', 1_000_000n));

    // Buy up to 100 EUA at 70.00: reserve 7000.00 EUR, 60 filled.
    const reserve = await holdEntry(db, {
      idempotencyKey: uniqueKey('reserve'),
      ...orderReserve(clientId, 'EUR', 700_000n),
    });
    expect(await balanceOf(clientId)).toMatchObject({ available: 300_000n, pending: 700_000n });
    await postHold(db, {
      idempotencyKey: uniqueKey('fill'),
      holdEntryId: reserve.id,
      amount: 420_000n,
      ...orderReservePost(),
    });
    expect(await balanceOf(clientId)).toMatchObject({
      available: 580_000n,
      pending: 0n,
      pendingSettlement: 420_000n,
    });

    await post(
      tradeFill({
        clientId,
        side: 'buy',
        cashAsset: 'EUR',
        cashAmount: 420_000n,
        certificateAsset: 'EUA',
        quantity: 60n,
      }),
    );
    expect(await balanceOf(clientId)).toMatchObject({ pendingSettlement: 0n });
    expect(await balanceOf(clientId, 'EUA')).toMatchObject({ available: 0n, pendingSettlement: 60n });

    await post(settlementDeliver({ clientId, asset: 'EUR', amount: 420_000n, direction: 'out' }));
    await post(settlementDeliver({ clientId, asset: 'EUA', amount: 60n, direction: 'in' }));
    expect(await balanceOf(clientId, 'EUA')).toEqual({
      asset: 'EUA',
      available: 60n,
      held: 0n,
      pending: 0n,
      pendingSettlement: 0n,
    });

    await post(fee(clientId, 'EUR', 500n, 'trading fee'));
    expect(await balanceOf(clientId)).toEqual({
      asset: 'EUR',
      available: 579_500n,
      held: 0n,
      pending: 0n,
      pendingSettlement: 0n,
    });

    // Another order reserved and cancelled.
    const second = await holdEntry(db, {
      idempotencyKey: uniqueKey('reserve'),
      ...orderReserve(clientId, 'EUA', 60n),
    });
    await voidHold(db, {
      idempotencyKey: uniqueKey('release'),
      holdEntryId: second.id,
      ...orderReserveRelease('cancelled'),
    });
    expect((await balanceOf(clientId, 'EUA')).available).toBe(60n);

    await post(reconAdjust('EUR', 3n, 'shortfall', 'bank charges'));
    await expectBooksBalanced();
  });
});

describe('LedgerError', () => {
  it('carries a code and JSON-safe details', async () => {
    const clientId = await fundedClient(db, 'EUR', 1n);
    const error = await ledgerErrorOf(
      postEntry(db, { idempotencyKey: uniqueKey('f'), ...fee(clientId, 'EUR', 2n, 'x') }),
      'insufficient_funds',
    );
    expect(error).toBeInstanceOf(LedgerError);
    expect(error.name).toBe('LedgerError');
    expect(() => JSON.stringify(error.details)).not.toThrow();
  });
});
