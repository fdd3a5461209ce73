// A payout account as a client adds it and operations verify it.
import type { Driver } from './driver.js';
import type { KindDescriptor, Resource } from './model.js';

const TEST_IBAN = 'DE89370400440532013000';

export function runBankAccount(driver: Driver): Promise<Resource> {
  const body = {
    iban: TEST_IBAN,
    bic: 'COBADEFFXXX',
    accountName: `Chaos Client ${driver.lifecycle.index}`,
    bankName: 'Commerzbank',
    country: 'DE',
  };
  return driver.addVerified('bank_account', '/bank-accounts', body, 'name matches');
}

export const BANK_ACCOUNT_KINDS: Record<string, KindDescriptor> = {
  bank_account_verify: {
    weight: 10,
    intended: 'VERIFIED',
    mainType: 'bank_account',
    partners: [],
    resources: 1,
    run: async (driver) => void (await runBankAccount(driver)),
  },
};
