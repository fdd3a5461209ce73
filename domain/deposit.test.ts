import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEPOSIT_POLICY,
  DEPOSIT_ACTIONS,
  DEPOSIT_PERMISSIONS,
  DEPOSIT_STATUSES,
  DEPOSIT_TRANSITIONS,
  checkCancel,
  checkConfirm,
  checkDepositInput,
  checkDepositLimit,
  checkDepositPolicy,
  checkExtend,
  checkReject,
  checkRelease,
  depositPolicy,
  depositReference,
  depositWorkflowId,
  holdDurationMs,
  isDepositReference,
  parseInstant,
  type DepositAction,
  type DepositInput,
  type DepositStatus,
  type DepositView,
} from './deposit.js';
import { authorize, isTerminal, nextStatus, type Actor } from './lifecycle.js';
import { ROLES, type Role } from './roles.js';

// The transition table, written out independently of the implementation: every allowed
// (status, action) → target. Every pair NOT listed here must be refused.
const ALLOWED: [DepositStatus, DepositAction, DepositStatus][] = [
  ['PENDING', 'confirm', 'ON_HOLD'],
  ['PENDING', 'confirm_flagged', 'AML_REVIEW'],
  ['PENDING', 'cancel', 'CANCELLED'],
  ['PENDING', 'expire', 'EXPIRED'],
  ['ON_HOLD', 'hold_elapsed', 'CLEARED'],
  ['ON_HOLD', 'release', 'CLEARED'],
  ['ON_HOLD', 'extend', 'ON_HOLD'],
  ['ON_HOLD', 'reject', 'REJECTED'],
  ['AML_REVIEW', 'release', 'CLEARED'],
  ['AML_REVIEW', 'extend', 'ON_HOLD'],
  ['AML_REVIEW', 'reject', 'REJECTED'],
];
const allowedKey = new Set(ALLOWED.map(([from, action]) => `${from}/${action}`));
const FORBIDDEN = DEPOSIT_STATUSES.flatMap((from) =>
  DEPOSIT_ACTIONS.filter((action) => !allowedKey.has(`${from}/${action}`)).map(
    (action) => [from, action] as [DepositStatus, DepositAction],
  ),
);

describe('deposit transition table', () => {
  it('covers every status × action pair exactly once', () => {
    expect(ALLOWED.length + FORBIDDEN.length).toBe(DEPOSIT_STATUSES.length * DEPOSIT_ACTIONS.length);
    expect(FORBIDDEN.length).toBe(7 * 8 - 11);
  });

  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    expect(nextStatus(DEPOSIT_TRANSITIONS, from, action)).toEqual({ ok: true, to });
  });

  it.each(FORBIDDEN)('%s --%s--> refused as invalid_state', (from, action) => {
    const result = nextStatus(DEPOSIT_TRANSITIONS, from, action);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refusal.code).toBe('invalid_state');
  });

  it('has exactly the four terminal statuses', () => {
    expect(DEPOSIT_STATUSES.filter((s) => isTerminal(DEPOSIT_TRANSITIONS, s))).toEqual([
      'CLEARED',
      'REJECTED',
      'CANCELLED',
      'EXPIRED',
    ]);
  });
});

const CLIENT = '0a0a0a0a-0000-4000-8000-000000000001';
const STRANGER = '0a0a0a0a-0000-4000-8000-000000000002';
const STAFF = '0a0a0a0a-0000-4000-8000-000000000003';

// Who may perform each action, written out: [action, role, owner?] → allowed.
const MAY: Record<DepositAction, (role: Role, isOwner: boolean) => boolean> = {
  confirm: (role) => role === 'operations' || role === 'admin',
  confirm_flagged: (role) => role === 'operations' || role === 'admin',
  cancel: (role, isOwner) => role === 'client' && isOwner,
  release: (role) => role === 'aml_officer',
  extend: (role) => role === 'aml_officer',
  reject: (role) => role === 'aml_officer',
  expire: () => false,
  hold_elapsed: () => false,
};

describe('deposit permissions', () => {
  const cases = DEPOSIT_ACTIONS.flatMap((action) =>
    ROLES.flatMap((role) => [true, false].map((isOwner) => [action, role, isOwner] as const)),
  );
  it.each(cases)('%s by %s (owner: %s)', (action, role, isOwner) => {
    const actor: Actor = { id: isOwner ? CLIENT : STRANGER, role };
    const refusal = authorize(DEPOSIT_PERMISSIONS, action, actor, CLIENT);
    expect(refusal === null).toBe(MAY[action](role, isOwner));
    if (refusal) expect(refusal.code).toBe('forbidden');
  });

  it('lets the system, and only the system, expire and end holds', () => {
    expect(authorize(DEPOSIT_PERMISSIONS, 'expire', null, CLIENT)).toBeNull();
    expect(authorize(DEPOSIT_PERMISSIONS, 'hold_elapsed', null, CLIENT)).toBeNull();
    expect(authorize(DEPOSIT_PERMISSIONS, 'release', null, CLIENT)?.code).toBe('forbidden');
  });
});

describe('depositReference', () => {
  it('is CH- and 10 Crockford base-32 characters, the same for the same business id', () => {
    const reference = depositReference('abc-123');
    expect(reference).toMatch(/^CH-[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(isDepositReference(reference)).toBe(true);
    expect(depositReference('abc-123')).toBe(reference);
    expect(depositReference('abc-124')).not.toBe(reference);
  });

  it('does not collide over 100 000 similar business ids', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(depositReference(`key-${i}`));
    expect(seen.size).toBe(100_000);
  });

  it('rejects malformed references', () => {
    expect(isDepositReference('CH-0123456789')).toBe(true);
    expect(isDepositReference('CH-01234567I9')).toBe(false); // I is not Crockford
    expect(isDepositReference('CH-012345678')).toBe(false);
    expect(isDepositReference('XX-0123456789')).toBe(false);
  });

  it('names the workflow deposit-<businessId>', () => {
    expect(depositWorkflowId('k1')).toBe('deposit-k1');
  });
});

describe('deposit policy', () => {
  it('defaults to 14 days to announce, 1 / 7 day holds', () => {
    expect(DEFAULT_DEPOSIT_POLICY.announcementWindowMs).toBe(14 * 86_400_000);
    expect(holdDurationMs('short_hold', DEFAULT_DEPOSIT_POLICY)).toBe(86_400_000);
    expect(holdDurationMs('long_hold', DEFAULT_DEPOSIT_POLICY)).toBe(7 * 86_400_000);
    expect(holdDurationMs('review', DEFAULT_DEPOSIT_POLICY)).toBeNull();
    expect(checkDepositPolicy(DEFAULT_DEPOSIT_POLICY)).toEqual([]);
  });

  it('overrides durations and keeps the AML defaults', () => {
    const policy = depositPolicy({ shortHoldMs: 1000, longHoldMs: 2000 });
    expect(policy.shortHoldMs).toBe(1000);
    expect(policy.aml).toEqual(DEFAULT_DEPOSIT_POLICY.aml);
    expect(checkDepositPolicy(policy)).toEqual([]);
  });

  it('names what is wrong with a bad policy', () => {
    const problems = checkDepositPolicy(depositPolicy({ shortHoldMs: 0, longHoldMs: -1 }));
    expect(problems).toContain('shortHoldMs must be a positive whole number of milliseconds');
    expect(problems).toContain('longHoldMs must be a positive whole number of milliseconds');
    expect(checkDepositPolicy(depositPolicy({ shortHoldMs: 5000, longHoldMs: 1000 }))).toContain(
      'longHoldMs must be at least shortHoldMs',
    );
  });
});

describe('checkDepositInput', () => {
  const input = (overrides: Partial<DepositInput> = {}): DepositInput => ({
    businessId: 'key-1',
    clientId: CLIENT,
    amount: '1000.00',
    currency: 'EUR',
    reference: depositReference('key-1'),
    policy: DEFAULT_DEPOSIT_POLICY,
    requestedBy: { id: CLIENT, role: 'client' },
    ...overrides,
  });

  it('accepts a well-formed announcement', () => {
    expect(checkDepositInput(input())).toBeNull();
    expect(checkDepositInput(input({ wireReference: 'INV 2026/7' }))).toBeNull();
  });

  it.each([
    ['businessId', { businessId: 'has space' }],
    ['clientId', { clientId: 'nobody' }],
    ['currency', { currency: 'EUA' as const }],
    ['amount', { amount: '1.234' }],
    ['amount', { amount: '0' }],
    ['reference', { reference: 'REF' }],
    ['requestedBy', { requestedBy: { id: 'x', role: 'client' as const } }],
  ])('refuses a bad %s', (path, overrides) => {
    const refusal = checkDepositInput(input(overrides as Partial<DepositInput>));
    expect(refusal?.code).toBe('validation_failed');
    expect((refusal?.details as { issues: { path: string }[] }).issues[0]!.path).toBe(path);
  });

  it('keeps to the policy’s per-currency maximum (checkDepositLimit, the workflow’s start check)', () => {
    const policy = depositPolicy({ maxAmount: { EUR: '1000.00' } });
    expect(checkDepositPolicy(policy)).toEqual([]);
    expect(checkDepositLimit(input({ policy }))).toBeNull();
    expect(checkDepositLimit(input({ policy, amount: '1000.01' }))).toEqual({
      code: 'validation_failed',
      message: 'The largest deposit is 1,000.00 EUR.',
      details: { asset: 'EUR', max: '1000.00' },
    });
    expect(checkDepositLimit(input({ policy, amount: '5000.00', currency: 'USD' }))).toBeNull();
    // A policy recorded before maxAmount existed (a running deposit's input) has no limit.
    const { maxAmount: _none, ...older } = policy;
    expect(checkDepositLimit(input({ policy: older, amount: '999999.00' }))).toBeNull();
    expect(checkDepositPolicy(depositPolicy({ maxAmount: { EUA: '5' } as never }))).toEqual([
      'maxAmount.EUA: not an asset of this policy (EUR, USD)',
    ]);
  });

  it('refuses an announcement on behalf of someone else', () => {
    expect(checkDepositInput(input({ requestedBy: { id: STRANGER, role: 'client' } }))?.code).toBe(
      'forbidden',
    );
    expect(checkDepositInput(input({ requestedBy: { id: CLIENT, role: 'operations' } }))?.code).toBe(
      'forbidden',
    );
  });
});

describe('Update checks', () => {
  const NOW = Date.parse('2026-03-01T12:00:00Z');
  const ops: Actor = { id: STAFF, role: 'operations' };
  const aml: Actor = { id: STAFF, role: 'aml_officer' };
  const client: Actor = { id: CLIENT, role: 'client' };
  const at = (status: DepositStatus, holdUntil: string | null = null): DepositView => ({
    status,
    clientId: CLIENT,
    currency: 'EUR',
    holdUntil,
  });

  it('confirm: operations, only while PENDING, with a valid received amount', () => {
    expect(checkConfirm(at('PENDING'), { actor: ops, receivedAmount: '990.5' }, NOW)).toBeNull();
    expect(checkConfirm(at('PENDING'), { actor: client, receivedAmount: '990.50' }, NOW)?.code).toBe(
      'forbidden',
    );
    expect(checkConfirm(at('ON_HOLD'), { actor: ops, receivedAmount: '990.50' }, NOW)?.code).toBe(
      'invalid_state',
    );
    expect(checkConfirm(at('PENDING'), { actor: ops, receivedAmount: '0' }, NOW)?.code).toBe(
      'validation_failed',
    );
    expect(checkConfirm(at('PENDING'), { actor: ops, receivedAmount: '-5' }, NOW)?.code).toBe(
      'validation_failed',
    );
    expect(
      checkConfirm(
        at('PENDING'),
        { actor: ops, receivedAmount: '1', receivedAt: '2026-03-02T00:00:00Z' },
        NOW,
      )?.code,
    ).toBe('validation_failed');
    expect(
      checkConfirm(at('PENDING'), { actor: ops, receivedAmount: '1', receivedAt: 'yesterday' }, NOW)?.code,
    ).toBe('validation_failed');
    expect(
      checkConfirm(at('PENDING'), { actor: ops, receivedAmount: '1', senderCountry: 'DEU' }, NOW)?.code,
    ).toBe('validation_failed');
    expect(
      checkConfirm(
        at('PENDING'),
        {
          actor: ops,
          receivedAmount: '1',
          receivedAt: '2026-03-01T11:00:00Z',
          senderCountry: 'de',
          senderReference: 'x',
        },
        NOW,
      ),
    ).toBeNull();
  });

  it('a malformed actor is a validation failure before anything else', () => {
    expect(
      checkConfirm(at('CLEARED'), { actor: { id: 'x', role: 'operations' }, receivedAmount: '1' }, NOW)?.code,
    ).toBe('validation_failed');
  });

  it('cancel: the owning client while PENDING', () => {
    expect(checkCancel(at('PENDING'), { actor: client })).toBeNull();
    expect(checkCancel(at('PENDING'), { actor: { id: STRANGER, role: 'client' } })?.code).toBe('forbidden');
    expect(checkCancel(at('PENDING'), { actor: ops })?.code).toBe('forbidden');
    expect(checkCancel(at('ON_HOLD'), { actor: client })?.code).toBe('invalid_state');
  });

  it('release and reject: the AML officer, with a note / reason', () => {
    expect(checkRelease(at('ON_HOLD'), { actor: aml, note: 'ok' })).toBeNull();
    expect(checkRelease(at('AML_REVIEW'), { actor: aml, note: 'ok' })).toBeNull();
    expect(checkRelease(at('PENDING'), { actor: aml, note: 'ok' })?.code).toBe('invalid_state');
    expect(checkRelease(at('ON_HOLD'), { actor: { id: STAFF, role: 'admin' }, note: 'ok' })?.code).toBe(
      'forbidden',
    );
    expect(checkRelease(at('ON_HOLD'), { actor: aml, note: ' ' })?.code).toBe('validation_failed');
    expect(checkReject(at('AML_REVIEW'), { actor: aml, reason: 'source of funds' })).toBeNull();
    expect(checkReject(at('CLEARED'), { actor: aml, reason: 'late' })?.code).toBe('invalid_state');
    expect(checkReject(at('ON_HOLD'), { actor: ops, reason: 'x' })?.code).toBe('forbidden');
    expect(checkReject(at('ON_HOLD'), { actor: aml, reason: '' })?.code).toBe('validation_failed');
  });

  it('extend: later than the current hold end, in the future, within the maximum', () => {
    const holdUntil = '2026-03-02T12:00:00.000Z';
    const policy = DEFAULT_DEPOSIT_POLICY;
    const extend = (until: string, view = at('ON_HOLD', holdUntil)) =>
      checkExtend(view, { actor: aml, until, note: 'why' }, NOW, policy);
    expect(extend('2026-03-03T12:00:00Z')).toBeNull();
    expect(extend('2026-03-02T12:00:00Z')?.code).toBe('validation_failed'); // not later
    expect(extend('2026-03-01T18:00:00Z')?.code).toBe('validation_failed'); // earlier than current end
    expect(extend('2026-12-31T00:00:00Z')?.code).toBe('validation_failed'); // beyond 90 days
    expect(extend('soon')?.code).toBe('validation_failed');
    expect(extend('2026-03-01T13:00:00Z', at('AML_REVIEW'))).toBeNull(); // no hold yet: any future time
    expect(extend('2026-03-01T11:00:00Z', at('AML_REVIEW'))?.code).toBe('validation_failed');
    expect(extend('2026-03-03T12:00:00Z', at('PENDING'))?.code).toBe('invalid_state');
    expect(
      checkExtend(
        at('ON_HOLD', holdUntil),
        { actor: aml, until: '2026-03-03T12:00:00Z', note: '' },
        NOW,
        policy,
      )?.code,
    ).toBe('validation_failed');
  });

  it('parses only full ISO 8601 instants', () => {
    expect(parseInstant('2026-03-01T12:00:00Z')).toBe(NOW);
    expect(parseInstant('2026-03-01T13:00:00.000+01:00')).toBe(NOW);
    expect(parseInstant('2026-03-01')).toBeNull();
    expect(parseInstant('2026-13-01T00:00:00Z')).toBeNull();
  });
});
