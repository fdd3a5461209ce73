import { randomUUID } from 'node:crypto';
import { composeIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import {
  BANK_ACCOUNT_ACTIONS,
  BANK_ACCOUNT_STATUSES,
  BANK_ACCOUNT_TRANSITIONS,
  DEFAULT_BANK_ACCOUNT_POLICY,
  bankAccountWorkflowId,
  checkBankAccountFields,
  checkBankAccountInput,
  checkBic,
  checkIban,
  checkRejectAccount,
  checkRemove,
  checkVerify,
  maskIban,
  type BankAccountAction,
  type BankAccountStatus,
} from './bank-account.js';
import { isTerminal, nextStatus, type Actor } from './lifecycle.js';

const GOOD = {
  iban: 'DE89370400440532013000',
  bic: 'COBADEFFXXX',
  accountName: 'Ada Lovelace',
  bankName: 'Commerzbank',
  country: 'DE',
};

describe('IBAN', () => {
  it.each([
    ['DE89370400440532013000', 'DE89370400440532013000'],
    ['de89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['  DE89-3704-0044-0532-0130-00 ', 'DE89370400440532013000'],
    ['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432'],
    ['nl91abna0417164300', 'NL91ABNA0417164300'],
    ['FR14 2004 1010 0505 0001 3M02 606', 'FR1420041010050500013M02606'],
    ['IT60X0542811101000000123456', 'IT60X0542811101000000123456'],
    ['DE89\u00a03704\t0044 0532 0130 00', 'DE89370400440532013000'],
  ])('accepts %j as %s', (raw, normalized) => {
    expect(checkIban(raw)).toEqual({ ok: true, iban: normalized });
  });

  // Mistakes people really make, each with the code the API reports.
  const frWrongRibKey = composeIBAN({ countryCode: 'FR', bban: '20041010050500013M02607' })!;
  it.each([
    ['DE89370400440532013001', 'wrong_check_digits', 'last digit mistyped'],
    ['DE88370400440532013000', 'wrong_check_digits', 'check digits mistyped'],
    ['DE89370400440532031000', 'wrong_check_digits', 'two digits swapped'],
    ['DE8937040044053201300', 'wrong_length', 'one digit short for DE'],
    ['DE893704004405320130000', 'wrong_length', 'one digit too many for DE'],
    ['GB82WEST1234569876543', 'wrong_length', 'one digit short for GB'],
    ['NL91ABNA041716430', 'wrong_length', 'one digit short for NL'],
    ['DE89370400440532O13000', 'wrong_format', 'letter O instead of zero'],
    ['NL91ABNA041716430O', 'wrong_format', 'letter O at the end of a numeric account'],
    ['GB82WE5T12345698765432', 'wrong_format', 'digit in the bank code'],
    ['UK82WEST12345698765432', 'unknown_country', 'UK is not the code of Great Britain'],
    ['XX89370400440532013000', 'unknown_country', 'not a country'],
    ['US64SVBKUS6S3300958879', 'unknown_country', 'the US does not use IBANs'],
    ['021000021', 'unknown_country', 'a US routing number'],
    ['DEXX370400440532013000', 'wrong_check_digits', 'letters where the check digits belong'],
    [frWrongRibKey, 'wrong_national_check_digits', 'French RIB key wrong, IBAN check digits recomputed'],
    ['CH4431999123000889012', 'qr_iban', 'a Swiss QR-IBAN'],
    ['DE89 3704 0044 0532 0130 00!', 'invalid_characters', 'punctuation'],
    ['', 'required', 'empty'],
    ['   ', 'required', 'blank'],
  ])('refuses %j (%s: %s)', (raw, code) => {
    const result = checkIban(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]).toMatchObject({ path: 'iban', code });
      expect(result.issues[0]!.message.length).toBeGreaterThan(10);
    }
  });

  it('words the expected length', () => {
    const result = checkIban('DE8937040044053201300');
    expect(!result.ok && result.issues[0]!.message).toBe(
      'an IBAN from DE has 22 characters; this one has 21',
    );
  });

  it('refuses non-strings', () => {
    expect(checkIban(12345).ok).toBe(false);
    expect(checkIban(null).ok).toBe(false);
  });

  it('masks all but the country, check digits and last four', () => {
    expect(maskIban('DE89370400440532013000')).toBe('DE89 **** **** **** **30 00');
  });
});

describe('BIC', () => {
  it.each([
    ['DEUTDEFF', 'DEUTDEFF', 'DE'],
    ['deutdeff500', 'DEUTDEFF500', 'DE'],
    ['COBA DE FF XXX', 'COBADEFFXXX', 'DE'],
    ['BNPAFRPP', 'BNPAFRPP', 'FR'],
  ])('accepts %j', (raw, bic, country) => {
    expect(checkBic(raw)).toEqual({ ok: true, bic, country });
  });

  it.each([
    ['DEUTDEF', 'wrong_format'],
    ['DEUTDEFF50', 'wrong_format'],
    ['DEU1DEFF', 'wrong_format'],
    ['DEUTXXFF', 'unknown_country'],
    ['DEUTDEF0', 'test_bic'],
    ['DEUT-DEFF', 'wrong_format'],
    ['', 'required'],
  ])('refuses %j (%s)', (raw, code) => {
    const result = checkBic(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatchObject({ path: 'bic', code });
  });
});

describe('checkBankAccountFields', () => {
  it('normalises every field', () => {
    expect(
      checkBankAccountFields({
        iban: 'de89 3704 0044 0532 0130 00',
        bic: 'coba de ff',
        accountName: '  Ada   Lovelace ',
        bankName: 'Commerzbank',
        country: 'de',
      }),
    ).toEqual({
      ok: true,
      value: {
        iban: 'DE89370400440532013000',
        bic: 'COBADEFF',
        accountName: 'Ada Lovelace',
        bankName: 'Commerzbank',
        country: 'DE',
      },
    });
  });

  it('requires the BIC, the IBAN and the stated country to agree', () => {
    const bic = checkBankAccountFields({ ...GOOD, bic: 'BNPAFRPP' });
    expect(bic.ok).toBe(false);
    if (!bic.ok)
      expect(bic.issues).toEqual([expect.objectContaining({ path: 'bic', code: 'country_mismatch' })]);
    const country = checkBankAccountFields({ ...GOOD, country: 'FR' });
    expect(country.ok).toBe(false);
    if (!country.ok)
      expect(country.issues).toEqual([
        expect.objectContaining({ path: 'country', code: 'country_mismatch' }),
      ]);
  });

  it('reports every problem at once', () => {
    const result = checkBankAccountFields({
      iban: 'DE00',
      bic: 'x',
      accountName: '',
      bankName: ' ',
      country: 'Germany',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path).sort()).toEqual([
        'accountName',
        'bankName',
        'bic',
        'country',
        'iban',
      ]);
    }
  });
});

describe('the verification lifecycle', () => {
  const ALLOWED: [BankAccountStatus, BankAccountAction, BankAccountStatus][] = [
    ['PENDING_VERIFICATION', 'verify', 'VERIFIED'],
    ['PENDING_VERIFICATION', 'reject', 'REJECTED'],
    ['PENDING_VERIFICATION', 'remove', 'REMOVED'],
    ['VERIFIED', 'remove', 'REMOVED'],
  ];

  it('allows exactly the listed transitions', () => {
    for (const status of BANK_ACCOUNT_STATUSES) {
      for (const action of BANK_ACCOUNT_ACTIONS) {
        const expected = ALLOWED.find(([s, a]) => s === status && a === action)?.[2];
        const next = nextStatus(BANK_ACCOUNT_TRANSITIONS, status, action);
        expect(next.ok ? next.to : null, `${status} ${action}`).toBe(expected ?? null);
      }
    }
    expect(isTerminal(BANK_ACCOUNT_TRANSITIONS, 'REJECTED')).toBe(true);
    expect(isTerminal(BANK_ACCOUNT_TRANSITIONS, 'REMOVED')).toBe(true);
    expect(isTerminal(BANK_ACCOUNT_TRANSITIONS, 'VERIFIED')).toBe(false);
  });

  const clientId = randomUUID();
  const client: Actor = { id: clientId, role: 'client' };
  const other: Actor = { id: randomUUID(), role: 'client' };
  const ops: Actor = { id: randomUUID(), role: 'operations' };
  const admin: Actor = { id: randomUUID(), role: 'admin' };
  const auditor: Actor = { id: randomUUID(), role: 'auditor' };
  const pending = { status: 'PENDING_VERIFICATION' as const, clientId };

  it('lets operations (and admins) verify and reject, only the owner remove', () => {
    expect(checkVerify(pending, { actor: ops })).toBeNull();
    expect(checkVerify(pending, { actor: admin, note: 'statement matches' })).toBeNull();
    expect(checkVerify(pending, { actor: client })?.code).toBe('forbidden');
    expect(checkVerify(pending, { actor: auditor })?.code).toBe('forbidden');
    expect(checkRejectAccount(pending, { actor: ops, reason: 'name differs' })).toBeNull();
    expect(checkRejectAccount(pending, { actor: ops, reason: ' ' })?.code).toBe('validation_failed');
    expect(checkRemove(pending, { actor: client })).toBeNull();
    expect(checkRemove(pending, { actor: other })?.code).toBe('forbidden');
    expect(checkRemove(pending, { actor: ops })?.code).toBe('forbidden');
    expect(checkVerify({ status: 'VERIFIED', clientId }, { actor: ops })?.code).toBe('invalid_state');
    expect(checkRemove({ status: 'REMOVED', clientId }, { actor: client })?.code).toBe('invalid_state');
  });

  it('checks the start input', () => {
    const input = {
      ...GOOD,
      bankAccountId: randomUUID(),
      clientId,
      policy: DEFAULT_BANK_ACCOUNT_POLICY,
      requestedBy: client,
    };
    expect(checkBankAccountInput(input)).toBeNull();
    expect(checkBankAccountInput({ ...input, iban: 'DE00' })?.code).toBe('validation_failed');
    expect(checkBankAccountInput({ ...input, requestedBy: other })?.code).toBe('forbidden');
    expect(checkBankAccountInput({ ...input, policy: { verifyDueMs: 0 } })?.code).toBe('validation_failed');
    expect(bankAccountWorkflowId(input.bankAccountId)).toBe(`bank-account-${input.bankAccountId}`);
  });
});
