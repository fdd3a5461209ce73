import { describe, expect, it } from 'vitest';
import { actionsFor, allowedActions, isTerminal, nextStatus, type Actor } from './lifecycle.js';
import {
  DEFAULT_WITHDRAWAL_POLICY,
  WITHDRAWAL_PERMISSIONS,
  WITHDRAWAL_STATUSES,
  WITHDRAWAL_TRANSITIONS,
  approvalAction,
  approvalsRequired,
  checkApprove,
  checkCancel,
  checkReject,
  checkWithdrawalInput,
  checkWithdrawalLimit,
  checkWithdrawalPolicy,
  groupIban,
  withdrawalPayoutId,
  withdrawalPolicy,
  withdrawalWorkflowId,
  type WithdrawalInput,
  type WithdrawalView,
} from './withdrawal.js';

const clientId = '11111111-1111-4111-8111-111111111111';
const client: Actor = { id: clientId, role: 'client' };
const ops1: Actor = { id: '22222222-2222-4222-8222-222222222222', role: 'operations' };
const ops2: Actor = { id: '33333333-3333-4333-8333-333333333333', role: 'operations' };
const admin: Actor = { id: '44444444-4444-4444-8444-444444444444', role: 'admin' };
const aml: Actor = { id: '55555555-5555-4555-8555-555555555555', role: 'aml_officer' };
const auditor: Actor = { id: '66666666-6666-4666-8666-666666666666', role: 'auditor' };

function view(overrides: Partial<WithdrawalView> = {}): WithdrawalView {
  return {
    status: 'PENDING_APPROVAL',
    clientId,
    requestedBy: clientId,
    approvals: [],
    approvalsRequired: 1,
    ...overrides,
  };
}

function input(overrides: Partial<WithdrawalInput> = {}): WithdrawalInput {
  return {
    businessId: '77777777-7777-4777-8777-777777777777',
    clientId,
    amount: '100.00',
    currency: 'EUR',
    bankAccountId: '88888888-8888-4888-8888-888888888888',
    policy: DEFAULT_WITHDRAWAL_POLICY,
    requestedBy: client,
    ...overrides,
  };
}

describe('withdrawal transitions', () => {
  it('lists every API status; terminal ones have no way out', () => {
    expect(Object.keys(WITHDRAWAL_TRANSITIONS).sort()).toEqual([...WITHDRAWAL_STATUSES].sort());
    for (const status of ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'] as const) {
      expect(isTerminal(WITHDRAWAL_TRANSITIONS, status)).toBe(true);
    }
    expect(allowedActions(WITHDRAWAL_TRANSITIONS, 'PENDING_APPROVAL')).toEqual([
      'approve_first',
      'approve',
      'reject',
      'cancel',
      'escalate',
    ]);
    expect(allowedActions(WITHDRAWAL_TRANSITIONS, 'PROCESSING')).toEqual(['complete', 'fail']);
  });

  it('goes where API.md says', () => {
    const to = (from: (typeof WITHDRAWAL_STATUSES)[number], action: Parameters<typeof nextStatus>[2]) =>
      nextStatus(WITHDRAWAL_TRANSITIONS, from, action as never);
    expect(to('PENDING_APPROVAL', 'approve')).toEqual({ ok: true, to: 'PROCESSING' });
    expect(to('PENDING_APPROVAL', 'approve_first')).toEqual({ ok: true, to: 'PENDING_APPROVAL' });
    expect(to('PENDING_APPROVAL', 'reject')).toEqual({ ok: true, to: 'REJECTED' });
    expect(to('PENDING_APPROVAL', 'cancel')).toEqual({ ok: true, to: 'CANCELLED' });
    expect(to('PENDING_APPROVAL', 'escalate')).toEqual({ ok: true, to: 'PENDING_APPROVAL' });
    expect(to('PROCESSING', 'complete')).toEqual({ ok: true, to: 'COMPLETED' });
    expect(to('PROCESSING', 'fail')).toEqual({ ok: true, to: 'FAILED' });
    expect(to('PROCESSING', 'cancel')).toMatchObject({ ok: false, refusal: { code: 'invalid_state' } });
  });

  it('operations (and admins) decide, the owner cancels, timers and the bank are the system', () => {
    expect(
      actionsFor(WITHDRAWAL_TRANSITIONS, WITHDRAWAL_PERMISSIONS, 'PENDING_APPROVAL', ops1, clientId),
    ).toEqual(['approve_first', 'approve', 'reject']);
    expect(
      actionsFor(WITHDRAWAL_TRANSITIONS, WITHDRAWAL_PERMISSIONS, 'PENDING_APPROVAL', admin, clientId),
    ).toEqual(['approve_first', 'approve', 'reject']);
    expect(
      actionsFor(WITHDRAWAL_TRANSITIONS, WITHDRAWAL_PERMISSIONS, 'PENDING_APPROVAL', client, clientId),
    ).toEqual(['cancel']);
    expect(
      actionsFor(WITHDRAWAL_TRANSITIONS, WITHDRAWAL_PERMISSIONS, 'PENDING_APPROVAL', aml, clientId),
    ).toEqual([]);
    expect(
      actionsFor(WITHDRAWAL_TRANSITIONS, WITHDRAWAL_PERMISSIONS, 'PENDING_APPROVAL', auditor, clientId),
    ).toEqual([]);
  });
});

describe('four eyes', () => {
  it('needs two approvals at or above the threshold, one below', () => {
    const policy = DEFAULT_WITHDRAWAL_POLICY;
    expect(approvalsRequired('EUR', '9999.99', policy)).toBe(1);
    expect(approvalsRequired('EUR', '10000.00', policy)).toBe(2);
    expect(approvalsRequired('EUR', '10000.01', policy)).toBe(2);
    expect(approvalsRequired('USD', '0.01', policy)).toBe(1);
    expect(approvalsRequired('USD', '250000', policy)).toBe(2);
    const strict = withdrawalPolicy({ fourEyesThreshold: { EUR: '100' } });
    expect(strict.fourEyesThreshold.USD).toBe('10000.00'); // the rest keeps its default
    expect(approvalsRequired('EUR', '100.00', strict)).toBe(2);
    expect(approvalsRequired('EUR', '99.99', strict)).toBe(1);
  });

  it('the approval that completes the count is `approve`; an earlier one `approve_first`', () => {
    expect(approvalAction({ approvals: [], approvalsRequired: 1 })).toBe('approve');
    expect(approvalAction({ approvals: [], approvalsRequired: 2 })).toBe('approve_first');
    expect(approvalAction({ approvals: [{ actor: ops1 }], approvalsRequired: 2 })).toBe('approve');
  });

  it('refuses the requester (self_approval) and a second approval by the same person (already_approved_by_you)', () => {
    expect(checkApprove(view(), { actor: ops1 })).toBeNull();
    expect(checkApprove(view(), { actor: { id: clientId, role: 'operations' } })).toMatchObject({
      code: 'self_approval',
    });
    expect(checkApprove(view({ requestedBy: ops2.id }), { actor: ops2 })).toMatchObject({
      code: 'self_approval',
    });
    const twice = checkApprove(view({ approvals: [{ actor: ops1 }], approvalsRequired: 2 }), { actor: ops1 });
    expect(twice).toMatchObject({
      code: 'already_approved_by_you',
      details: { approvals: 1, approvalsRequired: 2 },
    });
    expect(
      checkApprove(view({ approvals: [{ actor: ops1 }], approvalsRequired: 2 }), { actor: admin }),
    ).toBeNull();
  });

  it('checks shape, then role, then state, then the business rules, then the note', () => {
    expect(checkApprove(view(), { actor: { id: 'x', role: 'operations' } as Actor })).toMatchObject({
      code: 'validation_failed',
    });
    expect(checkApprove(view(), null as never)).toMatchObject({ code: 'validation_failed' });
    expect(checkApprove(view(), { actor: aml })).toMatchObject({ code: 'forbidden' });
    expect(checkApprove(view(), { actor: client })).toMatchObject({ code: 'forbidden' });
    // A self-approval on a closed withdrawal is a state problem first.
    expect(
      checkApprove(view({ status: 'COMPLETED' }), { actor: { id: clientId, role: 'operations' } }),
    ).toMatchObject({
      code: 'invalid_state',
    });
    expect(checkApprove(view({ status: 'REQUESTED' }), { actor: ops1 })).toMatchObject({
      code: 'invalid_state',
    });
    expect(checkApprove(view({ status: 'DECLINED' }), { actor: ops1 })).toMatchObject({
      code: 'invalid_state',
    });
    expect(checkApprove(view(), { actor: ops1, note: 'x'.repeat(2001) })).toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('reject and cancel', () => {
  it('a rejection needs a reason and operations', () => {
    expect(checkReject(view(), { actor: ops1, reason: 'Name mismatch' })).toBeNull();
    expect(checkReject(view(), { actor: ops1, reason: '  ' })).toMatchObject({ code: 'validation_failed' });
    expect(checkReject(view(), { actor: ops1 } as never)).toMatchObject({ code: 'validation_failed' });
    expect(checkReject(view(), { actor: aml, reason: 'x' })).toMatchObject({ code: 'forbidden' });
    expect(checkReject(view({ status: 'PROCESSING' }), { actor: ops1, reason: 'x' })).toMatchObject({
      code: 'invalid_state',
    });
  });

  it('only the owner cancels, only while PENDING_APPROVAL (also after a first approval)', () => {
    expect(checkCancel(view(), { actor: client })).toBeNull();
    expect(
      checkCancel(view({ approvals: [{ actor: ops1 }], approvalsRequired: 2 }), { actor: client }),
    ).toBeNull();
    expect(checkCancel(view(), { actor: { id: ops1.id, role: 'client' } })).toMatchObject({
      code: 'forbidden',
    });
    expect(checkCancel(view(), { actor: ops1 })).toMatchObject({ code: 'forbidden' });
    expect(checkCancel(view({ status: 'PROCESSING' }), { actor: client })).toMatchObject({
      code: 'invalid_state',
    });
  });
});

describe('input, policy and identities', () => {
  it('accepts a well-formed request by its own client', () => {
    expect(checkWithdrawalInput(input())).toBeNull();
  });

  it('refuses malformed inputs', () => {
    const cases: [Partial<WithdrawalInput>, string][] = [
      [{ businessId: '' }, 'validation_failed'],
      [{ clientId: 'nope' }, 'validation_failed'],
      [{ currency: 'EUA' }, 'validation_failed'],
      [{ amount: '0' }, 'validation_failed'],
      [{ amount: '1.234' }, 'validation_failed'],
      [{ amount: '-5' }, 'validation_failed'],
      [{ bankAccountId: 'acc-1' }, 'validation_failed'],
      [{ requestedBy: ops1 }, 'forbidden'],
      [{ requestedBy: { id: ops1.id, role: 'client' } }, 'forbidden'],
      [{ policy: { ...DEFAULT_WITHDRAWAL_POLICY, approvalSlaMs: 0 } }, 'validation_failed'],
    ];
    for (const [overrides, code] of cases) {
      expect(checkWithdrawalInput(input(overrides)), JSON.stringify(overrides)).toMatchObject({ code });
    }
  });

  it('keeps to the policy’s per-currency maximum (checkWithdrawalLimit, the workflow’s start check)', () => {
    const policy = withdrawalPolicy({ maxAmount: { USD: '50000.00' } });
    expect(checkWithdrawalPolicy(policy)).toEqual([]);
    expect(checkWithdrawalLimit(input({ policy, currency: 'USD', amount: '50000.00' }))).toBeNull();
    expect(checkWithdrawalLimit(input({ policy, currency: 'USD', amount: '50000.01' }))).toMatchObject({
      code: 'validation_failed',
      message: 'The largest withdrawal is 50,000.00 USD.',
      details: { asset: 'USD', max: '50000.00' },
    });
    expect(checkWithdrawalLimit(input({ policy, amount: '90000.00' }))).toBeNull();
    expect(checkWithdrawalPolicy(withdrawalPolicy({ maxAmount: { EUR: '0' } }))).toEqual([
      'maxAmount.EUR: amount must be greater than zero',
    ]);
  });

  it('checks the policy field by field', () => {
    expect(checkWithdrawalPolicy(DEFAULT_WITHDRAWAL_POLICY)).toEqual([]);
    expect(
      checkWithdrawalPolicy({
        fourEyesThreshold: { EUR: '1e3' },
        approvalSlaMs: -1,
        escalatedPriority: 0,
        payoutTimeoutMs: 10,
      }),
    ).toEqual([
      'approvalSlaMs must be a positive whole number of milliseconds',
      'payoutTimeoutMs must be a whole number of milliseconds, at least 1000',
      'escalatedPriority must be a positive whole number',
      expect.stringContaining('fourEyesThreshold.EUR'),
      'fourEyesThreshold.USD is missing',
    ]);
  });

  it('derives the workflow id and a 35-character payout id from the business id', () => {
    const id = '0b6f1c0e-1234-4abc-8def-0123456789ab';
    expect(withdrawalWorkflowId(id)).toBe(`withdrawal-${id}`);
    const payout = withdrawalPayoutId(id);
    expect(payout).toBe('CHW0B6F1C0E12344ABC8DEF0123456789AB');
    expect(payout).toHaveLength(35);
    expect(withdrawalPayoutId(id)).toBe(payout);
  });

  it('groups an IBAN for reading', () => {
    expect(groupIban('DE89370400440532013000')).toBe('DE89 3704 0044 0532 0130 00');
  });
});
