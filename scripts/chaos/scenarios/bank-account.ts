// A payout account as a client adds it and operations verify it.
import type { Driver } from './driver.js';
import type { KindDescriptor, Resource } from './model.js';

const TEST_IBAN = 'DE89370400440532013000';

export async function runBankAccount(driver: Driver): Promise<Resource> {
  const created = await driver.create(
    driver.client,
    '/bank-accounts',
    {
      iban: TEST_IBAN,
      bic: 'COBADEFFXXX',
      accountName: `Chaos Client ${driver.lifecycle.index}`,
      bankName: 'Commerzbank',
      country: 'DE',
    },
    'add bank account',
  );
  const account = driver.add(
    {
      type: 'bank_account',
      id: created.body.id,
      workflowId: created.body.workflowId,
      intended: 'VERIFIED',
      amountMinor: 0n,
    },
    created,
  );
  driver.track(account, created, ['PENDING_VERIFICATION'], 'add bank account');
  await driver.act(
    driver.world.staff.ops,
    account,
    `/ops/bank-accounts/${account.id}/verify`,
    { note: 'name matches' },
    ['VERIFIED'],
    'verify bank account',
  );
  return account;
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
