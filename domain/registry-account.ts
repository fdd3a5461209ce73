// Registry accounts a client holds certificates in (EU Union Registry for EUA, China's national
// registry for CEA), and their small verification lifecycle, verified like bank accounts:
//
//   PENDING_VERIFICATION ──verify──▶ VERIFIED   (operations; the registry confirms the account)
//            └──────────reject──▶ REJECTED   (operations, with a reason)
//
// Both endings are final: a verified account's workflow closes (nothing more can happen to it;
// its row stays VERIFIED for certificate transfers), a rejected one is registered anew.
//
// Account identifiers
// - EU Union Registry: `CC-TTT-NNNNNNN-P-DD` (e.g. EU-100-5012345-0-61): the registry code (`EU`,
//   or the ISO 3166 code of the member state or EEA country that administers the account), the
//   account type (three digits: 100 operator holding, 120/121 person or trading account, ...), the
//   account number, the commitment period (one digit; 0 outside the Kyoto periods) and two check
//   digits. The Data Exchange Standards for registry systems name these parts, but we found no
//   public definition of how the two check digits are computed (the Union Registry's guides and
//   Regulation 2019/1122 do not give it, and ISO 7064 MOD 97-10 over the digits does not reproduce
//   known identifiers). So the check digits are checked for shape only — two digits — and the
//   registry itself confirms the account at verification (RegistryAdapter.confirmAccount).
// - China's national registry publishes no account identifier format either. Ours is
//   `CN-<SEGMENT>-<NUMBER>`: `CN`, a segment of 2 to 16 letters or digits (the holder's or account
//   type's code at the registry), and 4 to 12 digits, e.g. CN-HOLD-00012345. Our own registry
//   accounts (activities/registry-adapter.ts PLATFORM_REGISTRY_ACCOUNTS) have this shape.
import type { PermissionTable, Refusal, TimelineEntry, TransitionTable } from './lifecycle.js';
import {
  DEFAULT_VERIFICATION_POLICY,
  VERIFICATION_PERMISSIONS,
  checkVerificationStart,
  verificationChecks,
  type FieldIssue,
  type RejectAccountArgs,
  type VerificationPolicy,
  type VerificationStart,
  type VerifiedAccountView,
  type VerifyAccountArgs,
} from './verified-account.js';
import type { AssetCode } from './money.js';

export const REGISTRY_ACCOUNT_TYPE = 'registry_account';

export const REGISTRIES = ['EU', 'CN'] as const;
export type Registry = (typeof REGISTRIES)[number];

/** Which registry holds each certificate asset. */
export const REGISTRY_OF_CERTIFICATE: Readonly<Record<'EUA' | 'CEA', Registry>> = { EUA: 'EU', CEA: 'CN' };

export function registryOfCertificate(asset: AssetCode): Registry | null {
  return asset === 'EUA' || asset === 'CEA' ? REGISTRY_OF_CERTIFICATE[asset] : null;
}

export const REGISTRY_ACCOUNT_STATUSES = ['PENDING_VERIFICATION', 'VERIFIED', 'REJECTED'] as const;
export type RegistryAccountStatus = (typeof REGISTRY_ACCOUNT_STATUSES)[number];

export const REGISTRY_ACCOUNT_ACTIONS = ['verify', 'reject'] as const;
export type RegistryAccountAction = (typeof REGISTRY_ACCOUNT_ACTIONS)[number];

export const REGISTRY_ACCOUNT_TRANSITIONS: TransitionTable<RegistryAccountStatus, RegistryAccountAction> = {
  PENDING_VERIFICATION: { verify: 'VERIFIED', reject: 'REJECTED' },
  VERIFIED: {},
  REJECTED: {},
};

export const REGISTRY_ACCOUNT_PERMISSIONS: PermissionTable<RegistryAccountAction> = VERIFICATION_PERMISSIONS;

export const REGISTRY_ACCOUNT_TASKS = {
  /** operations: check the account is the client's (the registry's answer, the holder's name). */
  verify: 'registry_account.verify',
} as const;

/** `registry-account-<id>` (the registry_account row's generated workflow_id says the same). */
export function registryAccountWorkflowId(id: string): string {
  return `registry-account-${id}`;
}

export function isRegistry(value: unknown): value is Registry {
  return typeof value === 'string' && (REGISTRIES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Account identifiers

export type { FieldIssue } from './verified-account.js';

/**
 * The registry codes of the Union Registry: `EU` (accounts the central administrator keeps) and
 * the member states and EEA countries that administer accounts in it (Greece is `GR`, Northern
 * Ireland's installations `XI`).
 */
export const EU_REGISTRY_CODES: readonly string[] = [
  'EU',
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IS',
  'IT',
  'LI',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'NO',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
  'XI',
];

const EU_ID = /^([A-Z]{2})-(\d{3})-(\d{1,10})-(\d)-(\d{2})$/;
const CN_ID = /^CN-[A-Z0-9]{2,16}-\d{4,12}$/;

/** Whitespace removed, upper case. */
export function normalizeRegistryAccountId(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** The normalised account id, or why it is not one of `registry`'s. */
export function checkRegistryAccountId(
  registry: Registry,
  raw: unknown,
  path = 'accountId',
): { ok: true; accountId: string } | { ok: false; issues: FieldIssue[] } {
  const fail = (code: string, message: string) => ({ ok: false as const, issues: [{ path, code, message }] });
  if (typeof raw !== 'string' || raw.trim() === '') return fail('required', 'the account id is required');
  if (raw.length > 64) return fail('too_big', 'a registry account id has at most 40 characters');
  const accountId = normalizeRegistryAccountId(raw);
  if (registry === 'CN') {
    return CN_ID.test(accountId)
      ? { ok: true, accountId }
      : fail(
          'wrong_format',
          'a Chinese registry account id is CN, a code of 2 to 16 letters or digits and a number of 4 to 12 digits, like CN-HOLD-00012345',
        );
  }
  const parts = EU_ID.exec(accountId);
  if (!parts) {
    return fail(
      'wrong_format',
      'a Union Registry account id is registry code, account type, number, commitment period and two check digits, like EU-100-5012345-0-61',
    );
  }
  const code = parts[1] ?? '';
  if (!EU_REGISTRY_CODES.includes(code)) {
    return fail(
      'unknown_registry_code',
      `a Union Registry account id starts with EU or the code of a member state or EEA country; ${code} is not one`,
    );
  }
  return { ok: true, accountId };
}

export interface RegistryAccountFields {
  registry: Registry;
  /** Normalised (upper case, no spaces). */
  accountId: string;
  /** The account holder's name as the registry knows it. */
  holderName: string;
}

/** Every field checked and normalised, or every problem found (a form shows them all at once). */
export function checkRegistryAccountFields(
  raw: Partial<Record<keyof RegistryAccountFields, unknown>>,
): { ok: true; value: RegistryAccountFields } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const registry = isRegistry(raw.registry) ? raw.registry : null;
  if (registry === null) {
    issues.push({ path: 'registry', code: 'invalid_enum_value', message: 'the registry is EU or CN' });
  }
  const id = registry === null ? null : checkRegistryAccountId(registry, raw.accountId);
  if (id && !id.ok) issues.push(...id.issues);
  let holderName = '';
  if (typeof raw.holderName !== 'string' || raw.holderName.trim() === '') {
    issues.push({ path: 'holderName', code: 'required', message: 'the account holder’s name is required' });
  } else {
    holderName = raw.holderName.trim().replace(/\s+/g, ' ');
    if (holderName.length > 140)
      issues.push({
        path: 'holderName',
        code: 'too_big',
        message: 'the account holder’s name has at most 140 characters',
      });
  }
  if (issues.length > 0 || registry === null || !id?.ok) return { ok: false, issues };
  return { ok: true, value: { registry, accountId: id.accountId, holderName } };
}

// ---------------------------------------------------------------------------------------------
// The verification lifecycle

export type RegistryAccountPolicy = VerificationPolicy;

export const DEFAULT_REGISTRY_ACCOUNT_POLICY: RegistryAccountPolicy = DEFAULT_VERIFICATION_POLICY;

export interface RegistryAccountInput extends RegistryAccountFields, VerificationStart {
  /** registry_account.id (UUID), inserted by the API before the workflow starts. */
  registryAccountId: string;
}

export type VerifyRegistryAccountArgs = VerifyAccountArgs;
export type RejectRegistryAccountArgs = RejectAccountArgs;

/** What the registry answered when operations verified the account. */
export interface RegistryConfirmation {
  holderName: string | null;
}

export interface RegistryAccountState {
  id: string;
  workflowId: string;
  type: typeof REGISTRY_ACCOUNT_TYPE;
  status: RegistryAccountStatus;
  clientId: string;
  registry: Registry;
  accountId: string;
  confirmation: RegistryConfirmation | null;
  createdAt: string;
  closedAt: string | null;
  timeline: TimelineEntry<RegistryAccountStatus>[];
}

export type RegistryAccountView = VerifiedAccountView<RegistryAccountStatus>;

export function checkRegistryAccountInput(input: RegistryAccountInput): Refusal | null {
  return checkVerificationStart(input, {
    idField: 'registryAccountId',
    id: input?.registryAccountId,
    noun: 'registry account',
    fields: () => checkRegistryAccountFields(input),
  });
}

const checks = verificationChecks(REGISTRY_ACCOUNT_TRANSITIONS, REGISTRY_ACCOUNT_PERMISSIONS);

export const checkVerifyRegistryAccount: (
  view: RegistryAccountView,
  args: VerifyRegistryAccountArgs,
) => Refusal | null = checks.verify;
export const checkRejectRegistryAccount: (
  view: RegistryAccountView,
  args: RejectRegistryAccountArgs,
) => Refusal | null = checks.reject;

export function registryAccountStaticSummary(
  input: Pick<RegistryAccountInput, 'registry' | 'accountId' | 'clientId'>,
): string {
  return `Registry account ${input.accountId} (${input.registry}) for client ${input.clientId}`;
}
