// /metrics over HTTP (the worker's bare server; the API's route serves the same registry): a fill made
// inside the venue's transaction counts under ledger_postings_total{path="transaction",kind="trade.fill"},
// a refused unit counts as refused, the pool-level calls (postHold, voidHold, expireHolds, reverseEntry,
// postEntries) count under their own path, and the database-backed gauges still scrape.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/ledger/index.js';
import {
  expireHolds,
  getEntry,
  holdEntry,
  inLedgerTransaction,
  postEntries,
  postEntry,
  postHold,
  reverseEntry,
  voidHold,
} from '../db/ledger/index.js';
import { fundedClient, ledgerErrorOf, testPool, uniqueKey } from '../db/ledger/test-support.js';
import { newClient, placeOrder, testInstrument } from '../db/venue/test-support.js';
import { observeGroup } from '../db/ledger/observer.js';
import { depositConfirm, withdrawalHold } from '../domain/postings.js';
import { observeDatabase, observeLedger, startMetricsServer } from './metrics.js';

let db: Db;
let server: Server;
let url: string;

beforeAll(async () => {
  db = testPool(4);
  observeLedger();
  observeDatabase(db);
  server = startMetricsServer(0);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.end();
});

async function scrape(): Promise<string> {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  return answer.text();
}

/** The value of one sample (`name{labels} value`), 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const have = inside.split(',');
    if (wanted.every((pair) => have.includes(pair))) return Number(line.slice(line.indexOf('}') + 1));
  }
  return 0;
}

const fills = { path: 'transaction', kind: 'trade.fill', outcome: 'recorded' };

describe('/metrics', () => {
  it('counts a fill posted inside the venue transaction under its recipe, with its latency', async () => {
    const eua = await testInstrument(db, 'EUA');
    const seller = await newClient(db, eua, 0n, 100n);
    const buyer = await newClient(db, eua, 10_000_000n, 0n);
    const before = await scrape();

    await placeOrder(db, eua, { clientId: seller, side: 'SELL', quantity: 5n, price: 7000n });
    const bid = await placeOrder(db, eua, { clientId: buyer, side: 'BUY', quantity: 5n, price: 7000n });
    expect(bid.result).toMatchObject({ outcome: 'FILLED', filled: 5n });

    const after = await scrape();
    expect(sample(after, 'ledger_postings_total', fills)).toBe(
      sample(before, 'ledger_postings_total', fills) + 1,
    );
    const timed = { path: 'transaction', kind: 'trade.fill' };
    expect(sample(after, 'ledger_posting_duration_seconds_count', timed)).toBe(
      sample(before, 'ledger_posting_duration_seconds_count', timed) + 1,
    );
    // The reservations went through the group commit, on the same metric under their own path.
    expect(
      sample(after, 'ledger_postings_total', {
        path: 'group_commit',
        kind: 'order.reserve',
        outcome: 'recorded',
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('counts the postings of a unit that rolled back as refused, not recorded', async () => {
    const eua = await testInstrument(db, 'EUA');
    const client = await newClient(db, eua, 0n, 0n);
    const refused = { path: 'transaction', kind: 'metrics.test', outcome: 'refused' };
    const recorded = { ...refused, outcome: 'recorded' };
    const before = await scrape();

    await expect(
      inLedgerTransaction(db, async (tx) => {
        await tx.postEntry({
          idempotencyKey: uniqueKey('metrics'),
          ...depositConfirm(client, 'EUR', 100n),
          kind: 'metrics.test',
        });
        throw new Error('the unit fails after its posting');
      }),
    ).rejects.toThrow('the unit fails');

    const after = await scrape();
    expect(sample(after, 'ledger_postings_total', refused)).toBe(
      sample(before, 'ledger_postings_total', refused) + 1,
    );
    expect(sample(after, 'ledger_postings_total', recorded)).toBe(
      sample(before, 'ledger_postings_total', recorded),
    );
  });

  it('counts the pool-level calls (hold posted, voided, expired; reversal; postEntries) by kind, outcome and latency', async () => {
    const client = await fundedClient(db, 'EUR', 10_000n);
    // Kinds of this test alone, so the counts are exact while other files post in the same database.
    const kind = (call: string) => `metrics.${call}.${randomUUID().slice(0, 8)}`;
    const kinds = {
      post: kind('post'),
      void: kind('void'),
      reverse: kind('reverse'),
      batch: kind('batch'),
    };
    const hold = (amount: bigint, expiresAt?: Date) =>
      holdEntry(db, { idempotencyKey: uniqueKey('m'), ...withdrawalHold(client, 'EUR', amount), expiresAt });
    const before = await scrape();

    const posted = await hold(100n);
    await postHold(db, {
      idempotencyKey: uniqueKey('m'),
      holdEntryId: posted.id,
      kind: kinds.post,
      description: 'paid',
    });
    const voided = await hold(100n);
    await voidHold(db, {
      idempotencyKey: uniqueKey('m'),
      holdEntryId: voided.id,
      kind: kinds.void,
      description: 'released',
    });
    // Voiding it again is refused by the ledger: a refused call of the same path and kind.
    await ledgerErrorOf(
      voidHold(db, {
        idempotencyKey: uniqueKey('m'),
        holdEntryId: voided.id,
        kind: kinds.void,
        description: 'again',
      }),
      'hold_not_pending',
    );
    const deposit = await postEntry(db, {
      idempotencyKey: uniqueKey('m'),
      ...depositConfirm(client, 'EUR', 5n),
    });
    await reverseEntry(db, {
      idempotencyKey: uniqueKey('m'),
      entryId: deposit.id,
      kind: kinds.reverse,
      description: 'mistake',
    });
    await postEntries(
      db,
      [1n, 2n, 3n].map((amount) => ({
        idempotencyKey: uniqueKey('m'),
        ...depositConfirm(client, 'EUR', amount),
        kind: kinds.batch,
      })),
    );
    // Swept as of a moment just past its expiry, so holds of other files (later expiries) stay.
    const dueAtMs = Date.now() + 1_000;
    const soon = await hold(50n, new Date(dueAtMs));
    expect(await expireHolds(db, new Date(dueAtMs + 1))).toBeGreaterThanOrEqual(1);
    expect((await getEntry(db, soon.id))?.holdState).toBe('expired');

    const after = await scrape();
    const grew = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    const expected: [path: string, kind: string, recorded: number, refused: number][] = [
      ['post_hold', kinds.post, 1, 0],
      ['void_hold', kinds.void, 1, 1],
      ['reverse_entry', kinds.reverse, 1, 0],
      ['post_entries', kinds.batch, 3, 0],
    ];
    for (const [path, k, recorded, refused] of expected) {
      expect(grew('ledger_postings_total', { path, kind: k, outcome: 'recorded' }), `${path} recorded`).toBe(
        recorded,
      );
      expect(grew('ledger_postings_total', { path, kind: k, outcome: 'refused' }), `${path} refused`).toBe(
        refused,
      );
      expect(grew('ledger_posting_duration_seconds_count', { path, kind: k }), `${path} timed`).toBe(
        recorded + refused,
      );
    }
    // The expiry kind is shared with every sweep of the database: at least this test's hold.
    const expiry = { path: 'expire_hold', kind: 'hold.expire' };
    expect(grew('ledger_postings_total', { ...expiry, outcome: 'recorded' })).toBeGreaterThanOrEqual(1);
    expect(grew('ledger_posting_duration_seconds_count', expiry)).toBeGreaterThanOrEqual(1);
  });

  it('counts a group-commit statement that failed as a whole apart from refusals', async () => {
    const failures = (text: string) => Number(/^ledger_group_commit_failures_total (\S+)$/m.exec(text)?.[1]);
    const before = failures(await scrape());
    observeGroup({
      size: 2,
      durationMs: 3,
      postings: [
        { kind: 'x', ok: false },
        { kind: 'x', ok: true },
      ],
    });
    expect(failures(await scrape())).toBe(before);
    observeGroup({
      size: 2,
      durationMs: 3,
      failed: true,
      postings: [
        { kind: 'x', ok: false },
        { kind: 'x', ok: true },
      ],
    });
    expect(failures(await scrape())).toBe(before + 1);
  });

  it('still scrapes the database-backed gauges', async () => {
    const text = await scrape();
    // Every gauge is there with its help line, and the ledger of the test database balances.
    for (const name of [
      'clearhouse_lifecycle_transitions_total',
      'clearhouse_lifecycles',
      'clearhouse_lifecycle_oldest_idle_seconds',
      'clearhouse_open_tasks',
      'clearhouse_overdue_tasks',
      'clearhouse_outbox_pending',
      'clearhouse_outbox_oldest_pending_seconds',
      'clearhouse_trial_balance_imbalance',
    ])
      expect(text).toContain(`# TYPE ${name} gauge`);
    expect(text).toMatch(/^clearhouse_outbox_pending \d+$/m);
    expect(text).toMatch(/^clearhouse_outbox_oldest_pending_seconds [\d.]+$/m);
    expect(sample(text, 'clearhouse_trial_balance_imbalance', { asset: 'EUR' })).toBe(0);
    expect(sample(text, 'clearhouse_trial_balance_imbalance', { asset: 'EUA' })).toBe(0);
    expect(text).toMatch(/^clearhouse_trial_balance_imbalance\{asset="EUR"\} 0$/m);
  });
});
