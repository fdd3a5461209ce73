// Simulated partner outages a chaos run switches on and off from outside the worker process: the
// run writes `{ "bank": true }` (or registry, broker) into a small JSON file, and every call to that
// partner fails as its own transient outage error while the switch is on. The adapters themselves
// are the worker's usual simulated ones; only a Proxy stands in front of each.
import { readFileSync, writeFileSync } from 'node:fs';
import { BankError, type BankAdapter } from '../../activities/bank-adapter.js';
import { BrokerUnavailableError, type BrokerAdapter } from '../../activities/broker-adapter.js';
import { RegistryUnavailableError, type RegistryAdapter } from '../../activities/registry-adapter.js';

export const PARTNERS = ['bank', 'registry', 'broker'] as const;
export type Partner = (typeof PARTNERS)[number];
export type OutageState = Partial<Record<Partner, boolean>>;

/** The error each partner's adapter throws when it is not answering (retried by the activities). */
const OUTAGE_ERROR: Record<Partner, () => Error> = {
  bank: () => new BankError('bank_unavailable', 'the bank is not answering (chaos outage)', false),
  registry: () => new RegistryUnavailableError('the registry is not answering (chaos outage)'),
  broker: () => new BrokerUnavailableError('the broker is not answering (chaos outage)'),
};

export function writeOutages(file: string, state: OutageState): void {
  writeFileSync(file, JSON.stringify(state));
}

/** Reads the switch file at most every 100 ms; a missing or half-written file means no outage. */
export function outageReader(file: string): (partner: Partner) => boolean {
  let readAt = 0;
  let state: OutageState = {};
  return (partner) => {
    const now = Date.now();
    if (now - readAt > 100) {
      readAt = now;
      try {
        state = JSON.parse(readFileSync(file, 'utf8')) as OutageState;
      } catch {
        state = {};
      }
    }
    return state[partner] === true;
  };
}

/** `adapter` with every method failing as `partner`'s outage while the switch is on. */
export function withOutage<T extends object>(
  adapter: T,
  partner: Partner,
  isDown: (p: Partner) => boolean,
): T {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isDown(partner)) return Promise.reject(OUTAGE_ERROR[partner]());
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export type PartnerAdapters = { bank: BankAdapter; registry: RegistryAdapter; broker: BrokerAdapter };
