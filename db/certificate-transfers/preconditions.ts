// What a client must have before a certificate transfer is accepted, in one place: an approved KYC,
// a registry account that is theirs, VERIFIED and at the registry that holds the asset, and (for a
// transfer out, when asked) the certificates available. The workflow's first activity decides with
// it; the API asks it for the early answer. Under concurrency the ledger hold has the last word on
// the certificates: it locks the client's account.
import type pg from 'pg';
import { registryOfCertificate } from '../../domain/registry-account.js';
import type { CertificateAsset, TransferRegistryAccount } from '../../domain/certificate-transfer.js';
import { formatAmount } from '../../domain/money.js';
import { clientKycStatus } from '../kyc/index.js';
import { getClientBalances } from '../ledger/index.js';
import { getRegistryAccount } from '../registry-accounts/index.js';

export interface TransferPreconditionsInput {
  clientId: string;
  asset: CertificateAsset;
  registryAccountId: string;
  /** Checked when given: the client's available certificates cover `quantityMinor`. */
  position?: { quantityMinor: bigint };
}

export type TransferPreconditionRefusal =
  | { code: 'kyc_required'; message: string; details: { kycStatus: string } }
  /** No such account, or another client's: callers outside the workflow must not tell which. */
  | { code: 'registry_account_not_found'; message: string; details: null }
  | { code: 'registry_account_unverified'; message: string; details: { status: string } }
  | { code: 'registry_mismatch'; message: string; details: { registry: string; asset: string } }
  | { code: 'insufficient_position'; message: string; details: { available: string; requested: string } };

export type TransferPreconditions =
  { ok: true; account: TransferRegistryAccount } | { ok: false; refusal: TransferPreconditionRefusal };

/** KYC → the account → its registry → the position: the first unmet precondition, or the account. */
export async function transferPreconditions(
  pool: pg.Pool,
  input: TransferPreconditionsInput,
): Promise<TransferPreconditions> {
  const kycStatus = (await clientKycStatus(pool, input.clientId)) ?? 'NOT_STARTED';
  if (kycStatus !== 'APPROVED') {
    return refused({
      code: 'kyc_required',
      message: `the KYC review is ${kycStatus}, not approved`,
      details: { kycStatus },
    });
  }
  const account = await getRegistryAccount(pool, input.registryAccountId);
  if (!account || account.clientId !== input.clientId) {
    return refused({
      code: 'registry_account_not_found',
      message: 'this registry account is not one of the client’s accounts',
      details: null,
    });
  }
  if (account.status !== 'VERIFIED') {
    return refused({
      code: 'registry_account_unverified',
      message: `the registry account is ${account.status.replaceAll('_', ' ').toLowerCase()}, not verified`,
      details: { status: account.status },
    });
  }
  if (registryOfCertificate(input.asset) !== account.registry) {
    return refused({
      code: 'registry_mismatch',
      message: `${input.asset} is not held at the ${account.registry} registry`,
      details: { registry: account.registry, asset: input.asset },
    });
  }
  if (input.position) {
    const balances = await getClientBalances(pool, input.clientId);
    const availableMinor = balances.find((b) => b.asset === input.asset)?.available ?? 0n;
    if (availableMinor < input.position.quantityMinor) {
      const available = formatAmount(input.asset, availableMinor);
      const requested = formatAmount(input.asset, input.position.quantityMinor);
      return refused({
        code: 'insufficient_position',
        message: `${available} ${input.asset} available, ${requested} ${input.asset} requested`,
        details: { available, requested },
      });
    }
  }
  return {
    ok: true,
    account: {
      id: account.id,
      registry: account.registry,
      accountId: account.accountId,
      holderName: account.holderName,
    },
  };
}

const refused = (refusal: TransferPreconditionRefusal): TransferPreconditions => ({ ok: false, refusal });
