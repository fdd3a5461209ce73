// Bank accounts a client may be paid to: IBAN and BIC rules, and the small verification lifecycle.
// IBAN and BIC checks come from ibantools (per-country length and BBAN structure from the IBAN
// registry, ISO 7064 mod-97 check digits, national check digits where it knows them, BIC format and
// country); this file only normalises input, words the errors and adds our own rules (the three
// countries must agree, no QR-IBANs, no test BICs). ibantools is pure code, so this also runs inside
// workflow code.
//
//   PENDING_VERIFICATION ──verify──▶ VERIFIED ──remove──▶ REMOVED
//            │           ──reject──▶ REJECTED (final)
//            └──remove──▶ REMOVED
//
// Only a VERIFIED account of the client can receive withdrawals. Removal is refused while a
// withdrawal to the account is in flight (checked by the removal activity and the API).

import {
  ValidationErrorsBIC,
  ValidationErrorsIBAN,
  electronicFormatIBAN,
  extractBIC,
  friendlyFormatIBAN,
  getCountrySpecifications,
  validateBIC,
  validateIBAN,
} from 'ibantools';
import {
  checkUpdate,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TimelineEntry,
  type TransitionTable,
} from './lifecycle.js';
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

export type { FieldIssue } from './verified-account.js';

export const BANK_ACCOUNT_TYPE = 'bank_account';

export const BANK_ACCOUNT_STATUSES = ['PENDING_VERIFICATION', 'VERIFIED', 'REJECTED', 'REMOVED'] as const;
export type BankAccountStatus = (typeof BANK_ACCOUNT_STATUSES)[number];

export const BANK_ACCOUNT_ACTIONS = ['verify', 'reject', 'remove'] as const;
export type BankAccountAction = (typeof BANK_ACCOUNT_ACTIONS)[number];

export const BANK_ACCOUNT_TRANSITIONS: TransitionTable<BankAccountStatus, BankAccountAction> = {
  PENDING_VERIFICATION: { verify: 'VERIFIED', reject: 'REJECTED', remove: 'REMOVED' },
  VERIFIED: { remove: 'REMOVED' },
  REJECTED: {},
  REMOVED: {},
};

export const BANK_ACCOUNT_PERMISSIONS: PermissionTable<BankAccountAction> = {
  ...VERIFICATION_PERMISSIONS,
  remove: { kind: 'owner' },
};

export const BANK_ACCOUNT_TASKS = {
  /** operations: check the account really is the client's (statement, micro-deposit, bank letter). */
  verify: 'bank_account.verify',
} as const;

/** `bank-account-<id>` (the bank_account row's generated workflow_id says the same). */
export function bankAccountWorkflowId(id: string): string {
  return `bank-account-${id}`;
}

export function isBankAccountStatus(value: unknown): value is BankAccountStatus {
  return typeof value === 'string' && (BANK_ACCOUNT_STATUSES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// IBAN and BIC

/** Spaces (any whitespace) and hyphens removed, upper case: the form ibantools calls electronic. */
export function normalizeIban(raw: string): string {
  return electronicFormatIBAN(raw.replace(/\s+/g, '')) ?? '';
}

/** Whitespace removed, upper case. */
export function normalizeBic(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** "DE89 3704 0044 0532 0130 00": how people read an IBAN. */
export function displayIban(iban: string): string {
  return friendlyFormatIBAN(iban) ?? iban;
}

/** "DE89 **** **** **** **30 00": enough to recognise an account in a summary or a list. */
export function maskIban(iban: string): string {
  if (iban.length <= 8) return iban;
  const masked = iban.slice(0, 4) + iban.slice(4, -4).replace(/[A-Z0-9]/g, '*') + iban.slice(-4);
  return displayIban(masked);
}

function ibanLength(country: string): number | null {
  return getCountrySpecifications()[country]?.chars ?? null;
}

/** The normalised IBAN, or the issues that make it unusable, in words. */
export function checkIban(
  raw: unknown,
  path = 'iban',
): { ok: true; iban: string } | { ok: false; issues: FieldIssue[] } {
  const fail = (code: string, message: string) => ({ ok: false as const, issues: [{ path, code, message }] });
  if (typeof raw !== 'string' || raw.trim() === '') return fail('required', 'the IBAN is required');
  if (raw.length > 64) return fail('too_big', 'an IBAN has at most 34 characters');
  const iban = normalizeIban(raw);
  if (!/^[A-Z0-9]+$/.test(iban)) {
    return fail('invalid_characters', 'an IBAN has only letters and digits (spaces are fine)');
  }
  const country = iban.slice(0, 2);
  const result = validateIBAN(iban, { allowQRIBAN: false });
  if (result.valid) return { ok: true, iban };
  const codes = new Set(result.errorCodes);
  if (codes.has(ValidationErrorsIBAN.NoIBANProvided)) return fail('required', 'the IBAN is required');
  if (codes.has(ValidationErrorsIBAN.NoIBANCountry) || ibanLength(country) === null) {
    return fail(
      'unknown_country',
      /^[A-Z]{2}/.test(country)
        ? `an IBAN starts with the code of a country that uses IBANs; ${country} is not one`
        : 'an IBAN starts with a two-letter country code',
    );
  }
  if (codes.has(ValidationErrorsIBAN.WrongBBANLength)) {
    return fail(
      'wrong_length',
      `an IBAN from ${country} has ${ibanLength(country)} characters; this one has ${iban.length}`,
    );
  }
  if (codes.has(ValidationErrorsIBAN.WrongBBANFormat)) {
    return fail(
      'wrong_format',
      `this is not how an account number from ${country} is written (a letter where a digit belongs, or the other way round)`,
    );
  }
  if (codes.has(ValidationErrorsIBAN.ChecksumNotNumber)) {
    return fail('wrong_check_digits', 'the third and fourth characters of an IBAN are check digits');
  }
  if (codes.has(ValidationErrorsIBAN.WrongIBANChecksum)) {
    return fail('wrong_check_digits', 'the IBAN check digits do not match: a character is probably mistyped');
  }
  if (codes.has(ValidationErrorsIBAN.WrongAccountBankBranchChecksum)) {
    return fail(
      'wrong_national_check_digits',
      `the bank's own check digits inside this ${country} account number do not match: a character is probably mistyped`,
    );
  }
  if (codes.has(ValidationErrorsIBAN.QRIBANNotAllowed)) {
    return fail(
      'qr_iban',
      'this is a QR-IBAN, used only for QR-bill payments; give the account’s ordinary IBAN',
    );
  }
  return fail('invalid_iban', 'this is not a valid IBAN');
}

/** The normalised BIC (8 or 11 characters), or the issues that make it unusable, in words. */
export function checkBic(
  raw: unknown,
  path = 'bic',
): { ok: true; bic: string; country: string } | { ok: false; issues: FieldIssue[] } {
  const fail = (code: string, message: string) => ({ ok: false as const, issues: [{ path, code, message }] });
  if (typeof raw !== 'string' || raw.trim() === '')
    return fail('required', 'the BIC (SWIFT code) is required');
  if (raw.length > 32) return fail('too_big', 'a BIC has 8 or 11 characters');
  const bic = normalizeBic(raw);
  if (!/^[A-Z0-9]{8}([A-Z0-9]{3})?$/.test(bic)) {
    return fail('wrong_format', 'a BIC has 8 or 11 letters and digits, like DEUTDEFF or DEUTDEFF500');
  }
  const result = validateBIC(bic);
  if (!result.valid) {
    if (result.errorCodes.includes(ValidationErrorsBIC.NoBICCountry)) {
      return fail(
        'unknown_country',
        `characters 5 and 6 of a BIC are a country code; ${bic.slice(4, 6)} is not one`,
      );
    }
    return fail(
      'wrong_format',
      'a BIC is 4 letters (bank), 2 letters (country), 2 characters (location) and an optional 3-character branch',
    );
  }
  const parts = extractBIC(bic);
  if (parts.testBIC)
    return fail('test_bic', 'this is a test BIC (its location code ends in 0); give the bank’s live BIC');
  return { ok: true, bic, country: parts.countryCode ?? bic.slice(4, 6) };
}

export interface BankAccountFields {
  iban: string;
  bic: string;
  accountName: string;
  bankName: string;
  /** ISO 3166-1 alpha-2 of the account's bank: the IBAN's country. */
  country: string;
}

/**
 * Every field checked and normalised, or every problem found (so a form shows them all at once).
 * The IBAN, the BIC and the stated country must name the same country.
 */
export function checkBankAccountFields(
  raw: Partial<Record<keyof BankAccountFields, unknown>>,
): { ok: true; value: BankAccountFields } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const iban = checkIban(raw.iban);
  if (!iban.ok) issues.push(...iban.issues);
  const bic = checkBic(raw.bic);
  if (!bic.ok) issues.push(...bic.issues);
  const text = (field: 'accountName' | 'bankName', label: string) => {
    const value = raw[field];
    if (typeof value !== 'string' || value.trim() === '') {
      issues.push({ path: field, code: 'required', message: `${label} is required` });
      return '';
    }
    const trimmed = value.trim().replace(/\s+/g, ' ');
    if (trimmed.length > 140)
      issues.push({ path: field, code: 'too_big', message: `${label} has at most 140 characters` });
    return trimmed;
  };
  const accountName = text('accountName', 'the account holder’s name');
  const bankName = text('bankName', 'the bank’s name');
  let country = '';
  if (typeof raw.country !== 'string' || !/^[A-Za-z]{2}$/.test(raw.country.trim())) {
    issues.push({
      path: 'country',
      code: 'invalid_country',
      message: 'the country is a two-letter ISO code, like DE',
    });
  } else {
    country = raw.country.trim().toUpperCase();
  }
  if (iban.ok && bic.ok) {
    const ibanCountry = iban.iban.slice(0, 2);
    if (bic.country !== ibanCountry) {
      issues.push({
        path: 'bic',
        code: 'country_mismatch',
        message: `the BIC is of a bank in ${bic.country} but the IBAN is from ${ibanCountry}`,
      });
    }
  }
  if (iban.ok && country && country !== iban.iban.slice(0, 2)) {
    issues.push({
      path: 'country',
      code: 'country_mismatch',
      message: `the IBAN is from ${iban.iban.slice(0, 2)}, not ${country}`,
    });
  }
  if (issues.length > 0 || !iban.ok || !bic.ok) return { ok: false, issues };
  return { ok: true, value: { iban: iban.iban, bic: bic.bic, accountName, bankName, country } };
}

// ---------------------------------------------------------------------------------------------
// The verification lifecycle

export type BankAccountPolicy = VerificationPolicy;

export const DEFAULT_BANK_ACCOUNT_POLICY: BankAccountPolicy = DEFAULT_VERIFICATION_POLICY;

export interface BankAccountInput extends BankAccountFields, VerificationStart {
  /** bank_account.id (UUID), inserted by the API before the workflow starts. */
  bankAccountId: string;
}

export type VerifyBankAccountArgs = VerifyAccountArgs;
export type RejectBankAccountArgs = RejectAccountArgs;
export interface RemoveBankAccountArgs {
  actor: Actor;
}

export interface BankAccountState {
  id: string;
  workflowId: string;
  type: typeof BANK_ACCOUNT_TYPE;
  status: BankAccountStatus;
  clientId: string;
  createdAt: string;
  closedAt: string | null;
  timeline: TimelineEntry<BankAccountStatus>[];
}

export type BankAccountView = VerifiedAccountView<BankAccountStatus>;

export function checkBankAccountInput(input: BankAccountInput): Refusal | null {
  return checkVerificationStart(input, {
    idField: 'bankAccountId',
    id: input?.bankAccountId,
    noun: 'bank account',
    fields: () => checkBankAccountFields(input),
  });
}

const checks = verificationChecks(BANK_ACCOUNT_TRANSITIONS, BANK_ACCOUNT_PERMISSIONS);

export const checkBankAccountAction: (
  view: BankAccountView,
  action: BankAccountAction,
  actor: unknown,
) => Refusal | null = checks.action;
export const checkVerify = checks.verify;
export const checkRejectAccount = checks.reject;

export function checkRemove(view: BankAccountView, args: RemoveBankAccountArgs): Refusal | null {
  return checkUpdate(args, (actor) => checkBankAccountAction(view, 'remove', actor));
}

export function bankAccountStaticSummary(
  input: Pick<BankAccountInput, 'iban' | 'bankName' | 'clientId'>,
): string {
  return `Bank account ${maskIban(input.iban)} at ${input.bankName} for client ${input.clientId}`;
}
