// The simulated registry against real PostgreSQL: one transfer per transfer id whatever happens
// (retries, lost answers, concurrent twins), refusals as answers, outages and closed hours as
// transient errors, positions from its own books.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/ledger/index.js';
import { testPool } from '../db/ledger/test-support.js';
import {
  PLATFORM_REGISTRY_ACCOUNTS,
  RegistryUnavailableError,
  SimulatedRegistry,
  registrySimOptionsFromEnv,
  type RegistryDelivery,
} from './registry-adapter.js';

let db: Db;
beforeAll(() => {
  db = testPool(4);
});
afterAll(async () => {
  await db.end();
});

function delivery(overrides: Partial<RegistryDelivery> = {}): RegistryDelivery {
  return {
    transferId: `test/${randomUUID()}`,
    registry: 'EU',
    asset: 'EUA',
    quantity: 25n,
    from: PLATFORM_REGISTRY_ACCOUNTS.EU.venueSettlement,
    to: `EU-100-${Math.floor(Math.random() * 9e6 + 1e6)}-0-11`,
    ...overrides,
  };
}

describe('SimulatedRegistry', () => {
  it('delivers once per transfer id, however often it is asked, even concurrently', async () => {
    const registry = new SimulatedRegistry(db, {});
    const d = delivery();
    const answers = await Promise.all([registry.deliver(d), registry.deliver(d), registry.deliver(d)]);
    expect(answers.map((a) => a.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
    const references = new Set(answers.map((a) => (a.status === 'DELIVERED' ? a.registryReference : '')));
    expect(references.size).toBe(1);
    expect(await registry.count(d.transferId)).toBe(1);
    expect((await registry.transfer(d.transferId))?.delivery).toEqual(d);
  });

  it('refuses to reuse a transfer id for another delivery', async () => {
    const registry = new SimulatedRegistry(db, {});
    const d = delivery();
    await registry.deliver(d);
    await expect(registry.deliver({ ...d, quantity: 26n })).rejects.toThrow(/another delivery/);
  });

  it('answers the truth after a lost answer: delivered once, then the repeat sees it', async () => {
    const registry = new SimulatedRegistry(db, {});
    const d = delivery();
    registry.inject(d.to, { kind: 'deliver_then_unavailable' });
    await expect(registry.deliver(d)).rejects.toBeInstanceOf(RegistryUnavailableError);
    expect(await registry.count(d.transferId)).toBe(1);
    const again = await registry.deliver(d);
    expect(again.status).toBe('DELIVERED');
    expect(registry.calls.filter((c) => c.transferId === d.transferId).map((c) => c.outcome)).toEqual([
      'delivered_then_unavailable',
      'repeat:DELIVERED',
    ]);
  });

  it('is transient when down or closed, and delivers nothing meanwhile', async () => {
    const down = new SimulatedRegistry(db, { outage: true });
    const d = delivery();
    await expect(down.deliver(d)).rejects.toBeInstanceOf(RegistryUnavailableError);
    // Saturday noon in Brussels: closed on business days only.
    const closed = new SimulatedRegistry(
      db,
      {
        businessHours: {
          kind: 'weekly',
          timeZone: 'Europe/Brussels',
          days: [1, 2, 3, 4, 5],
          open: '08:00',
          close: '18:00',
        },
      },
      () => new Date('2026-12-05T11:00:00Z'),
    );
    await expect(closed.deliver(d)).rejects.toThrow(/closed outside business hours/);
    expect(await down.count(d.transferId)).toBe(0);
    down.options.outage = false;
    expect((await down.deliver(d)).status).toBe('DELIVERED');
  });

  it('rejects blocked accounts and injected refusals for good, the same on every retry', async () => {
    const blocked = delivery();
    const registry = new SimulatedRegistry(db, { rejectAccounts: [blocked.to] });
    expect(await registry.deliver(blocked)).toEqual({ status: 'REJECTED', reason: 'account_blocked' });
    registry.options.rejectAccounts = [];
    expect(await registry.deliver(blocked)).toEqual({ status: 'REJECTED', reason: 'account_blocked' });
    const injected = delivery();
    registry.inject(injected.to, { kind: 'reject', reason: 'holding_frozen' });
    expect(await registry.deliver(injected)).toEqual({ status: 'REJECTED', reason: 'holding_frozen' });
  });

  it('draws its rejection rate from the transfer id', async () => {
    const registry = new SimulatedRegistry(db, { rejectRate: 0.5 });
    const outcomes = [];
    for (let i = 0; i < 40; i += 1) outcomes.push((await registry.deliver(delivery())).status);
    expect(outcomes).toContain('DELIVERED');
    expect(outcomes).toContain('REJECTED');
  });

  it('answers positions from delivered transfers only, and validates deliveries', async () => {
    const registry = new SimulatedRegistry(db, {});
    const client = `CN-TEST-${randomUUID().slice(0, 8)}`;
    const d = delivery({
      registry: 'CN',
      asset: 'CEA',
      from: PLATFORM_REGISTRY_ACCOUNTS.CN.omnibus,
      to: client,
      quantity: 7n,
    });
    await registry.deliver(d);
    await registry.simulateIncoming({
      ...d,
      transferId: `in/${randomUUID()}`,
      from: client,
      to: PLATFORM_REGISTRY_ACCOUNTS.CN.omnibus,
      quantity: 3n,
    });
    registry.inject(client, { kind: 'reject', reason: 'no' });
    await registry.deliver({ ...d, transferId: `x/${randomUUID()}` });
    const positions = await registry.positions('CN');
    expect(positions.find((p) => p.account === client)).toEqual({
      account: client,
      asset: 'CEA',
      quantity: 4n,
    });
    await expect(registry.deliver(delivery({ asset: 'CEA' }))).rejects.toThrow(/not held at the EU/);
    await expect(registry.deliver(delivery({ quantity: 0n }))).rejects.toThrow(/positive/);
  });

  it('confirms accounts, and reads its options from REGISTRY_SIM_JSON', async () => {
    const registry = new SimulatedRegistry(db, {
      unknownAccounts: ['EU-100-1-0-00'],
      holders: { 'EU-100-2-0-00': 'Ada' },
    });
    expect(await registry.confirmAccount('EU', 'EU-100-1-0-00')).toEqual({ exists: false, holderName: null });
    expect(await registry.confirmAccount('EU', 'EU-100-2-0-00')).toEqual({ exists: true, holderName: 'Ada' });
    expect(registrySimOptionsFromEnv({ REGISTRY_SIM_JSON: '{"latencyMs":5}' })).toEqual({ latencyMs: 5 });
    expect(() => registrySimOptionsFromEnv({ REGISTRY_SIM_JSON: '[1]' })).toThrow(/object/);
    expect(() => registrySimOptionsFromEnv({ REGISTRY_SIM_JSON: '{"rejectRate":2}' })).toThrow(/0 to 1/);
  });
});
