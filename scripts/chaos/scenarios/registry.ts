// Certificates as clients move them: a registry account added and verified by operations (the
// registry confirms it; during an outage the verify is handed back, 422 registry_unavailable, and
// operations verify again later: driver.ts addVerified); a transfer IN whose
// receipt operations confirm; and a transfer OUT of part of it, approved by one or (at or above the
// run's threshold) two operators and delivered through the registry exactly once, outages or not.
import { randomInt } from 'node:crypto';
import type { Driver } from './driver.js';
import { runKyc } from './kyc.js';
import type { KindDescriptor, Resource } from './model.js';

type Registry = 'EU' | 'CN';
const ASSET_OF: Record<Registry, 'EUA' | 'CEA'> = { EU: 'EUA', CN: 'CEA' };
/** The run's four-eyes threshold for transfers out (CHAOS_POLICY_ENV), the same for both assets. */
export const CHAOS_CERTIFICATE_FOUR_EYES = 50;

/** An account id of the registry's shape (EU: CC-TTT-NNNNNNN-P-DD; ours for CN), unique per run. */
function accountIdAt(registry: Registry): string {
  return registry === 'EU'
    ? `EU-100-${randomInt(1_000_000, 9_999_999)}-0-${String(randomInt(0, 99)).padStart(2, '0')}`
    : `CN-CHAOS-${randomInt(10_000_000, 99_999_999)}`;
}

export function runRegistryAccount(driver: Driver, registry: Registry): Promise<Resource> {
  const body = {
    registry,
    accountId: accountIdAt(registry),
    holderName: `Chaos Holder ${driver.lifecycle.index}`,
  };
  return driver.addVerified('registry_account', '/registry-accounts', body, 'holder matches');
}

async function requestTransfer(
  driver: Driver,
  direction: 'IN' | 'OUT',
  asset: 'EUA' | 'CEA',
  quantity: bigint,
  account: Resource,
): Promise<Resource> {
  const step = `request transfer ${direction}`;
  const created = await driver.create(
    driver.client,
    '/certificate-transfers',
    { json: { direction, asset, quantity: String(quantity), registryAccountId: account.id } },
    step,
    // IN waits for a receipt nobody confirms; OUT holds its certificates for an approval.
    {
      type: 'certificate_transfer',
      intended: direction === 'IN' ? 'PENDING_RECEIPT' : 'PENDING_APPROVAL',
      amountMinor: quantity,
      asset,
      detail: { direction },
    },
  );
  const transfer = driver.add(
    {
      type: 'certificate_transfer',
      id: created.body.id,
      workflowId: created.body.workflowId,
      intended: 'COMPLETED',
      amountMinor: quantity,
      asset,
      detail: { direction },
    },
    created,
  );
  driver.track(transfer, created, [direction === 'IN' ? 'PENDING_RECEIPT' : 'PENDING_APPROVAL'], step);
  if (direction === 'OUT') transfer.detail.approvalsRequired = created.body.approvalsRequired;
  return transfer;
}

/** KYC and a verified account side by side, then a transfer IN whose receipt operations confirm. */
export async function runTransferIn(
  driver: Driver,
  registry: Registry,
  quantity: bigint,
): Promise<{ account: Resource; transfer: Resource }> {
  const settled = await Promise.allSettled([runKyc(driver), runRegistryAccount(driver, registry)]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const account = (settled[1] as PromiseFulfilledResult<Resource>).value;
  const transfer = await requestTransfer(driver, 'IN', ASSET_OF[registry], quantity, account);
  await driver.act(
    driver.world.staff.ops,
    transfer,
    `/ops/certificate-transfers/${transfer.id}/confirm`,
    { quantity: String(quantity), note: 'receipt on the registry statement' },
    ['COMPLETED'],
    'confirm transfer IN',
  );
  return { account, transfer };
}

/** Certificates moved in, then part of them out: one approval, or a maker's and a checker's. */
export async function runTransferOut(driver: Driver, registry: Registry): Promise<void> {
  const { account } = await runTransferIn(driver, registry, BigInt(driver.random.int(100, 200)));
  const quantity = BigInt(driver.random.int(10, 2 * CHAOS_CERTIFICATE_FOUR_EYES));
  const transfer = await requestTransfer(driver, 'OUT', ASSET_OF[registry], quantity, account);
  const { ops, ops2 } = driver.world.staff;
  const path = `/ops/certificate-transfers/${transfer.id}/approve`;
  if (transfer.detail.approvalsRequired === 2)
    await driver.act(ops, transfer, path, { note: 'maker' }, ['PENDING_APPROVAL'], 'first approval');
  // The delivery may be done by the time the answer comes (PROCESSING is short without an outage).
  await driver.act(ops2, transfer, path, { note: 'checker' }, ['PROCESSING', 'COMPLETED'], 'approval');
  if (transfer.lastStatus !== 'COMPLETED') await driver.waitFor(transfer, 'COMPLETED');
}

const registryOf = (driver: Driver): Registry => (driver.random.chance(0.5) ? 'EU' : 'CN');

export const REGISTRY_KINDS: Record<string, KindDescriptor> = {
  registry_account_verify: {
    weight: 6,
    intended: 'VERIFIED',
    mainType: 'registry_account',
    partners: ['registry'],
    resources: 1,
    run: async (driver) => void (await runRegistryAccount(driver, registryOf(driver))),
  },
  // KYC, the account, the transfer.
  certificate_in: {
    weight: 6,
    intended: 'COMPLETED',
    mainType: 'certificate_transfer',
    partners: ['registry'],
    resources: 3,
    run: async (driver) =>
      void (await runTransferIn(driver, registryOf(driver), BigInt(driver.random.int(1, 500)))),
  },
  // KYC, the account, the transfer in, the transfer out (the main resource is the last one).
  certificate_out: {
    weight: 8,
    intended: 'COMPLETED',
    mainType: 'certificate_transfer',
    partners: ['registry'],
    resources: 4,
    run: (driver) => runTransferOut(driver, registryOf(driver)),
  },
};
