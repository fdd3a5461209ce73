import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
  registryTransferIn,
  settlementDeliver,
  systemAccountCode,
  systemAccountDefinitions,
  tradeFee,
  tradeFill,
  withdrawalHold,
  withdrawalPost,
  withdrawalVoid,
  type PostingRecipe,
} from './postings.js';

const client = randomUUID();
type Asset = 'EUR' | 'USD' | 'EUA' | 'CEA' | 'KRBN';
const available = (asset: Asset) => `client:${client}:${asset}:available`;
const held = (asset: Asset) => `client:${client}:${asset}:held`;
const pendingSettlement = (asset: Asset) => `client:${client}:${asset}:pending_settlement`;

/** Every recipe balances by construction; this also proves each transfer moves a positive amount. */
function expectWellFormed(recipe: PostingRecipe): void {
  expect(recipe.kind).toMatch(/^[a-z_.]+$/);
  expect(recipe.description.length).toBeGreaterThan(0);
  expect(recipe.transfers.length).toBeGreaterThan(0);
  for (const transfer of recipe.transfers) {
    expect(transfer.debit).not.toBe(transfer.credit);
    expect(typeof transfer.amount).toBe('bigint');
  }
}

describe('account codes', () => {
  it('names client accounts by id, asset and role', () => {
    expect(clientAccountCode(client, 'EUR', 'available')).toBe(available('EUR'));
    expect(clientAccountCode(client.toUpperCase(), 'EUA', 'pending_settlement')).toBe(
      pendingSettlement('EUA'),
    );
  });

  it('refuses client ids that are not UUIDs and unknown assets or roles', () => {
    expect(() => clientAccountCode('client:1', 'EUR', 'available')).toThrow(/UUID/);
    expect(() => clientAccountCode(client, 'GBP' as never, 'available')).toThrow(/asset/);
    expect(() => clientAccountCode(client, 'EUR', 'savings' as never)).toThrow(/role/);
  });

  it('names system accounts; omnibus is the bank for cash and the registry for certificates', () => {
    expect(systemAccountCode('omnibus', 'EUR')).toBe('bank:omnibus:EUR');
    expect(systemAccountCode('omnibus', 'EUA')).toBe('registry:omnibus:EUA');
    expect(systemAccountCode('venue_clearing', 'CEA')).toBe('venue:clearing:CEA');
    expect(systemAccountCode('fees_revenue', 'USD')).toBe('fees:revenue:USD');
    expect(systemAccountCode('suspense', 'EUA')).toBe('suspense:EUA');
    expect(systemAccountCode('omnibus', 'KRBN')).toBe('custody:omnibus:KRBN');
    expect(() => systemAccountCode('fees_revenue', 'KRBN')).toThrow(/cash/);
    expect(() => systemAccountCode('fees_revenue', 'EUA')).toThrow(/cash/);
  });

  it('defines the whole system chart with sensible kinds and flags', () => {
    const chart = systemAccountDefinitions();
    const codes = chart.map((d) => d.code).sort();
    expect(codes).toEqual(
      [
        'bank:omnibus:EUR',
        'bank:omnibus:USD',
        'registry:omnibus:EUA',
        'registry:omnibus:CEA',
        'venue:clearing:EUR',
        'venue:clearing:USD',
        'venue:clearing:EUA',
        'venue:clearing:CEA',
        'fees:revenue:EUR',
        'fees:revenue:USD',
        'suspense:EUR',
        'suspense:USD',
        'suspense:EUA',
        'suspense:CEA',
        'custody:omnibus:KRBN',
        'venue:clearing:KRBN',
        'suspense:KRBN',
      ].sort(),
    );
    const omnibus = chart.find((d) => d.code === 'bank:omnibus:EUR');
    expect(omnibus).toMatchObject({
      kind: 'asset',
      creditsMustNotExceedDebits: true,
      debitsMustNotExceedCredits: false,
    });
    expect(chart.find((d) => d.code === 'fees:revenue:EUR')?.kind).toBe('revenue');
    // The custodian, like a bank or a registry, can never hand out more than it holds.
    expect(chart.find((d) => d.code === 'custody:omnibus:KRBN')).toMatchObject({
      kind: 'asset',
      creditsMustNotExceedDebits: true,
    });
  });
});

describe('posting recipes', () => {
  it('depositConfirm: Dr bank omnibus, Cr client held', () => {
    const recipe = depositConfirm(client, 'EUR', 125050n);
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('deposit.confirm');
    expect(recipe.description).toContain('1250.50 EUR');
    expect(recipe.transfers).toEqual([{ debit: 'bank:omnibus:EUR', credit: held('EUR'), amount: 125050n }]);
  });

  it('depositConfirm of certificates goes through the registry omnibus', () => {
    expect(depositConfirm(client, 'EUA', 300n).transfers).toEqual([
      { debit: 'registry:omnibus:EUA', credit: held('EUA'), amount: 300n },
    ]);
  });

  it('depositClear: Dr client held, Cr client available', () => {
    const recipe = depositClear(client, 'USD', 500n);
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('deposit.clear');
    expect(recipe.transfers).toEqual([{ debit: held('USD'), credit: available('USD'), amount: 500n }]);
  });

  it('depositReturn: Dr client held, Cr bank omnibus', () => {
    const recipe = depositReturn(client, 'EUR', 500n);
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('deposit.return');
    expect(recipe.transfers).toEqual([{ debit: held('EUR'), credit: 'bank:omnibus:EUR', amount: 500n }]);
  });

  it('withdrawalHold: Dr client available, Cr bank omnibus (recorded as a hold); cash only', () => {
    const recipe = withdrawalHold(client, 'EUR', 10000n);
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('withdrawal.hold');
    expect(recipe.transfers).toEqual([
      { debit: available('EUR'), credit: 'bank:omnibus:EUR', amount: 10000n },
    ]);
    expect(() => withdrawalHold(client, 'EUA', 1n)).toThrow(/cash/);
  });

  it('withdrawalPost / withdrawalVoid only name the resolution', () => {
    expect(withdrawalPost()).toEqual({ kind: 'withdrawal.post', description: 'Withdrawal paid out' });
    expect(withdrawalVoid('rejected by operations')).toEqual({
      kind: 'withdrawal.void',
      description: 'Withdrawal released: rejected by operations',
    });
  });

  it('orderReserve: Dr client available, Cr client pending_settlement (recorded as a hold)', () => {
    const recipe = orderReserve(client, 'EUR', 2500n);
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('order.reserve');
    expect(recipe.transfers).toEqual([
      { debit: available('EUR'), credit: pendingSettlement('EUR'), amount: 2500n },
    ]);
    expect(orderReservePost().kind).toBe('order.reserve.post');
    expect(orderReserveRelease('cancelled').kind).toBe('order.reserve.release');
  });

  it('tradeFill buy: cash to the venue, certificates owed by the venue', () => {
    const recipe = tradeFill({
      clientId: client,
      side: 'buy',
      cashAsset: 'EUR',
      cashAmount: 700000n,
      certificateAsset: 'EUA',
      quantity: 100n,
    });
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('trade.fill');
    expect(recipe.description).toBe('Bought 100 EUA for 7000.00 EUR');
    expect(recipe.transfers).toEqual([
      { debit: pendingSettlement('EUR'), credit: 'venue:clearing:EUR', amount: 700000n },
      { debit: 'venue:clearing:EUA', credit: pendingSettlement('EUA'), amount: 100n },
    ]);
  });

  it('tradeFill sell: certificates to the venue, cash owed by the venue', () => {
    const recipe = tradeFill({
      clientId: client,
      side: 'sell',
      cashAsset: 'EUR',
      cashAmount: 700000n,
      certificateAsset: 'EUA',
      quantity: 100n,
    });
    expect(recipe.transfers).toEqual([
      { debit: pendingSettlement('EUA'), credit: 'venue:clearing:EUA', amount: 100n },
      { debit: 'venue:clearing:EUR', credit: pendingSettlement('EUR'), amount: 700000n },
    ]);
    expect(() =>
      tradeFill({
        clientId: client,
        side: 'buy',
        cashAsset: 'EUA',
        cashAmount: 1n,
        certificateAsset: 'EUR',
        quantity: 1n,
      }),
    ).toThrow(/cash/);
  });

  it('tradeFill takes a listed security as the asset leg', () => {
    const recipe = tradeFill({
      clientId: client,
      side: 'buy',
      cashAsset: 'USD',
      cashAmount: 30_000n,
      certificateAsset: 'KRBN',
      quantity: 10n,
    });
    expectWellFormed(recipe);
    expect(recipe.description).toBe('Bought 10 KRBN for 300.00 USD');
    expect(recipe.transfers).toEqual([
      { debit: pendingSettlement('USD'), credit: 'venue:clearing:USD', amount: 30_000n },
      { debit: 'venue:clearing:KRBN', credit: pendingSettlement('KRBN'), amount: 10n },
    ]);
    expect(() =>
      tradeFill({
        clientId: client,
        side: 'sell',
        cashAsset: 'EUR',
        cashAmount: 1n,
        certificateAsset: 'USD',
        quantity: 1n,
      }),
    ).toThrow(/certificate or security/);
  });

  it("tradeFee: from the trade's pending-settlement cash to fee revenue", () => {
    const recipe = tradeFee(client, 'EUR', 1_400n);
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('trade.fee');
    expect(recipe.description).toContain('14.00 EUR');
    expect(recipe.transfers).toEqual([
      { debit: pendingSettlement('EUR'), credit: 'fees:revenue:EUR', amount: 1_400n },
    ]);
    expect(() => tradeFee(client, 'EUA', 1n)).toThrow(/cash/);
    expect(() => tradeFee(client, 'EUR', 1 as never)).toThrow(/bigint/);
    expect(() => tradeFee('nobody', 'EUR', 1n)).toThrow(/UUID/);
  });

  it('registryTransferIn: Dr the registry or custody omnibus, Cr client available', () => {
    const recipe = registryTransferIn(client, 'EUA', 10_000n, 'EU-TX-0001');
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('registry.transfer_in');
    expect(recipe.description).toContain('10000 EUA');
    expect(recipe.description).toContain('EU-TX-0001');
    expect(recipe.transfers).toEqual([
      { debit: 'registry:omnibus:EUA', credit: available('EUA'), amount: 10_000n },
    ]);
    expect(registryTransferIn(client, 'KRBN', 5n, 'CUST-9').transfers).toEqual([
      { debit: 'custody:omnibus:KRBN', credit: available('KRBN'), amount: 5n },
    ]);
    expect(() => registryTransferIn(client, 'EUR', 5n, 'x')).toThrow(/certificate or security/);
    expect(() => registryTransferIn(client, 'EUA', 5n, '  ')).toThrow(/reference/);
  });

  it('settlementDeliver in: omnibus receives from the venue, the client gets it available', () => {
    const recipe = settlementDeliver({ clientId: client, asset: 'EUA', amount: 100n, direction: 'in' });
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('settlement.deliver');
    expect(recipe.transfers).toEqual([
      { debit: 'registry:omnibus:EUA', credit: 'venue:clearing:EUA', amount: 100n },
      { debit: pendingSettlement('EUA'), credit: available('EUA'), amount: 100n },
    ]);
  });

  it('settlementDeliver out: omnibus pays the venue', () => {
    const recipe = settlementDeliver({ clientId: client, asset: 'EUR', amount: 700000n, direction: 'out' });
    expectWellFormed(recipe);
    expect(recipe.transfers).toEqual([
      { debit: 'venue:clearing:EUR', credit: 'bank:omnibus:EUR', amount: 700000n },
    ]);
  });

  it('fee: Dr client available, Cr fees revenue; cash only', () => {
    const recipe = fee(client, 'EUR', 150n, 'withdrawal fee');
    expectWellFormed(recipe);
    expect(recipe.kind).toBe('fee');
    expect(recipe.description).toBe('Fee of 1.50 EUR: withdrawal fee');
    expect(recipe.transfers).toEqual([{ debit: available('EUR'), credit: 'fees:revenue:EUR', amount: 150n }]);
    expect(() => fee(client, 'CEA', 1n, 'x')).toThrow(/cash/);
  });

  it('reconAdjust: surplus Dr omnibus Cr suspense, shortfall the other way', () => {
    const surplus = reconAdjust('EUR', 42n, 'surplus', 'bank statement 2026-11-20');
    expectWellFormed(surplus);
    expect(surplus.kind).toBe('recon.adjust');
    expect(surplus.transfers).toEqual([{ debit: 'bank:omnibus:EUR', credit: 'suspense:EUR', amount: 42n }]);
    expect(reconAdjust('CEA', 3n, 'shortfall', 'registry').transfers).toEqual([
      { debit: 'suspense:CEA', credit: 'registry:omnibus:CEA', amount: 3n },
    ]);
  });

  it('refuses amounts that are not bigints (a number never reaches the books)', () => {
    expect(() => depositConfirm(client, 'EUR', 100 as unknown as bigint)).toThrow(/bigint/);
  });
});
