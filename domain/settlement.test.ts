import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { isTerminal, nextStatus } from './lifecycle.js';
import {
  DEFAULT_SETTLEMENT_POLICY,
  SETTLEMENT_TRANSITIONS,
  checkCancelSettlement,
  checkConfirmReceipt,
  checkRetry,
  checkSettlementPolicy,
  expectedTimes,
  legDirection,
  netTradeSides,
  scheduledCutoffOf,
  settlementPolicy,
  settlementTransferId,
} from './settlement.js';
import { clientSettlementDeliver } from './postings.js';

const client = randomUUID();
const ops = { id: randomUUID(), role: 'operations' as const };

describe('client settlement lifecycle', () => {
  it('follows INITIATED → PROCESSED → DELIVERED → CONFIRMED and FAILING → DELIVERED | CANCELLED', () => {
    expect(nextStatus(SETTLEMENT_TRANSITIONS, 'INITIATED', 'process')).toEqual({ ok: true, to: 'PROCESSED' });
    expect(nextStatus(SETTLEMENT_TRANSITIONS, 'PROCESSED', 'fail')).toEqual({ ok: true, to: 'FAILING' });
    expect(nextStatus(SETTLEMENT_TRANSITIONS, 'FAILING', 'retry')).toEqual({ ok: true, to: 'DELIVERED' });
    expect(nextStatus(SETTLEMENT_TRANSITIONS, 'FAILING', 'cancel')).toEqual({ ok: true, to: 'CANCELLED' });
    expect(nextStatus(SETTLEMENT_TRANSITIONS, 'DELIVERED', 'auto_confirm')).toEqual({
      ok: true,
      to: 'CONFIRMED',
    });
    expect(nextStatus(SETTLEMENT_TRANSITIONS, 'DELIVERED', 'cancel').ok).toBe(false);
    expect(isTerminal(SETTLEMENT_TRANSITIONS, 'CONFIRMED')).toBe(true);
    expect(isTerminal(SETTLEMENT_TRANSITIONS, 'CANCELLED')).toBe(true);
  });

  it('lets operations retry or cancel a FAILING one, and only its client confirm receipt', () => {
    expect(checkRetry({ status: 'FAILING', clientId: client }, { actor: ops, note: 'again' })).toBeNull();
    expect(checkRetry({ status: 'DELIVERED', clientId: client }, { actor: ops })?.code).toBe('invalid_state');
    expect(
      checkCancelSettlement({ status: 'FAILING', clientId: client }, { actor: ops, reason: ' ' })?.code,
    ).toBe('validation_failed');
    const owner = { id: client, role: 'client' as const };
    expect(checkConfirmReceipt({ status: 'DELIVERED', clientId: client }, { actor: owner })).toBeNull();
    expect(
      checkConfirmReceipt(
        { status: 'DELIVERED', clientId: client },
        { actor: { id: randomUUID(), role: 'client' } },
      )?.code,
    ).toBe('forbidden');
    expect(checkConfirmReceipt({ status: 'PROCESSED', clientId: client }, { actor: owner })?.code).toBe(
      'invalid_state',
    );
  });
});

describe('settlement policy and identities', () => {
  it('accepts the default and refuses nonsense', () => {
    expect(checkSettlementPolicy(DEFAULT_SETTLEMENT_POLICY)).toEqual([]);
    expect(checkSettlementPolicy(settlementPolicy({ pageSize: 0 }))).toContain(
      'pageSize must be a whole number from 1 to 500',
    );
    expect(
      checkSettlementPolicy(
        settlementPolicy({
          calendar: { kind: 'daily', timeZone: 'Mars/Olympus', days: [8], cutoffs: ['25:00'] },
        }),
      ),
    ).toHaveLength(3);
  });

  it('reads a scheduled batch cutoff from its workflow id, and derives transfer ids per round', () => {
    expect(scheduledCutoffOf('settlement-batch-scheduled-2026-12-01T15:00:00Z')).toBe(
      '2026-12-01T15:00:00.000Z',
    );
    expect(scheduledCutoffOf('settlement-batch-123')).toBeNull();
    expect(settlementTransferId('client-settlement-x', 'EUA', 2)).toBe('client-settlement-x/deliver/EUA/2');
    expect(() => settlementTransferId('w', 'EUA', 0)).toThrow();
  });

  it('expects each status from the cutoff, and confirmation from the actual delivery', () => {
    const policy = settlementPolicy();
    const times = expectedTimes('2026-12-01T15:00:00.000Z', policy, '2026-12-01T15:10:00.000Z');
    expect(times.PROCESSED).toBe('2026-12-01T15:05:00.000Z');
    expect(times.DELIVERED).toBe('2026-12-01T16:00:00.000Z');
    expect(times.CONFIRMED).toBe('2026-12-03T15:10:00.000Z');
  });
});

describe('netting', () => {
  it('nets per client and asset and releases what was received gross, less sell fees', () => {
    const a = randomUUID();
    const b = randomUUID();
    const base = { asset: 'EUA' as const, quoteAsset: 'EUR' as const };
    const legs = netTradeSides([
      { ...base, clientId: a, side: 'SELL', price: 7000n, quantity: 10n, fee: 70n },
      { ...base, clientId: b, side: 'BUY', price: 7000n, quantity: 10n, fee: 140n },
      { ...base, clientId: b, side: 'SELL', price: 7100n, quantity: 4n, fee: 28n },
      { ...base, clientId: a, side: 'BUY', price: 7100n, quantity: 4n, fee: 57n },
    ]);
    expect(legs.get(b)).toEqual([
      { asset: 'EUA', netMinor: 6n, releaseMinor: 10n },
      { asset: 'EUR', netMinor: -70_000n + 28_400n, releaseMinor: 28_400n - 28n },
    ]);
    // Across clients the venue legs net to zero per asset.
    const all = [...legs.values()].flat();
    for (const asset of ['EUA', 'EUR'])
      expect(all.filter((l) => l.asset === asset).reduce((s, l) => s + l.netMinor, 0n)).toBe(0n);
    expect(legDirection({ asset: 'EUA', netMinor: -3n, releaseMinor: 0n })).toEqual({
      direction: 'DELIVER',
      amountMinor: 3n,
    });
    expect(legDirection({ asset: 'EUA', netMinor: 0n, releaseMinor: 5n })).toBeNull();
  });

  it('posts the net with the venue and the gross release of pending settlement', () => {
    const recipe = clientSettlementDeliver(client, [
      { asset: 'EUA', netMinor: 6n, releaseMinor: 10n },
      { asset: 'EUR', netMinor: -41_600n, releaseMinor: 28_372n },
    ]);
    expect(recipe.kind).toBe('settlement.deliver');
    expect(recipe.transfers).toEqual([
      { debit: 'registry:omnibus:EUA', credit: 'venue:clearing:EUA', amount: 6n },
      {
        debit: `client:${client}:EUA:pending_settlement`,
        credit: `client:${client}:EUA:available`,
        amount: 10n,
      },
      { debit: 'venue:clearing:EUR', credit: 'bank:omnibus:EUR', amount: 41_600n },
      {
        debit: `client:${client}:EUR:pending_settlement`,
        credit: `client:${client}:EUR:available`,
        amount: 28_372n,
      },
    ]);
    expect(() =>
      clientSettlementDeliver(client, [{ asset: 'EUA', netMinor: 0n, releaseMinor: 0n }]),
    ).toThrow();
  });
});
