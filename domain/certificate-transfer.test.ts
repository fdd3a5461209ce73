import { describe, expect, it } from 'vitest';
import {
  CERTIFICATE_TRANSFER_TRANSITIONS,
  approvalsRequiredFor,
  certificateTransferOutHold,
  certificateTransferPolicy,
  certificateTransferReference,
  checkApproveTransfer,
  checkCancelTransfer,
  checkCertificateTransferPolicy,
  checkConfirmTransfer,
  checkQuantity,
  type CertificateTransferView,
} from './certificate-transfer.js';

const ops1 = { id: '00000000-0000-4000-8000-000000000001', role: 'operations' as const };
const ops2 = { id: '00000000-0000-4000-8000-000000000003', role: 'operations' as const };
const client = { id: '00000000-0000-4000-8000-000000000002', role: 'client' as const };
const policy = certificateTransferPolicy({ fourEyesThreshold: { EUA: '500', CEA: '1000' } });

const out = (over: Partial<CertificateTransferView> = {}): CertificateTransferView => ({
  status: 'PENDING_APPROVAL',
  clientId: client.id,
  requestedBy: client.id,
  asset: 'EUA',
  approvals: [],
  approvalsRequired: 1,
  ...over,
});

describe('policy and four eyes', () => {
  it('needs two approvers at or above the asset threshold, one below, none for a transfer in', () => {
    expect(approvalsRequiredFor('OUT', 'EUA', '499', policy)).toBe(1);
    expect(approvalsRequiredFor('OUT', 'EUA', '500', policy)).toBe(2);
    expect(approvalsRequiredFor('OUT', 'CEA', '999', policy)).toBe(1);
    expect(approvalsRequiredFor('IN', 'EUA', '100000', policy)).toBe(0);
  });

  it('refuses a broken policy in words', () => {
    expect(checkCertificateTransferPolicy(policy)).toEqual([]);
    const broken = { ...policy, deliveryTimeoutMs: 10, fourEyesThreshold: { EUA: '1.5', CEA: '1' } };
    expect(checkCertificateTransferPolicy(broken)).toHaveLength(2);
  });

  it('refuses self-approval and a second approval by the same person', () => {
    // A staff member who asked for the transfer (or owns it) never approves it.
    expect(checkApproveTransfer(out({ requestedBy: ops1.id }), { actor: ops1 })?.code).toBe('self_approval');
    expect(checkApproveTransfer(out({ clientId: ops1.id }), { actor: ops1 })?.code).toBe('self_approval');
    const once = out({ approvalsRequired: 2, approvals: [{ actor: ops1 }] });
    expect(checkApproveTransfer(once, { actor: ops1 })?.code).toBe('already_approved_by_you');
    expect(checkApproveTransfer(once, { actor: ops2 })).toBeNull();
    expect(checkApproveTransfer(out(), { actor: client })?.code).toBe('forbidden');
  });

  it('approve is for transfers out, confirm for transfers in', () => {
    expect(checkApproveTransfer(out({ status: 'PENDING_RECEIPT' }), { actor: ops1 })?.code).toBe(
      'invalid_state',
    );
    expect(checkConfirmTransfer(out(), { actor: ops1, quantity: '1' })?.code).toBe('invalid_state');
    const incoming = out({ status: 'PENDING_RECEIPT', approvalsRequired: 0 });
    expect(checkConfirmTransfer(incoming, { actor: ops1, quantity: '10' })).toBeNull();
    expect(checkConfirmTransfer(incoming, { actor: ops1, quantity: '1.5' })?.code).toBe('validation_failed');
    expect(checkConfirmTransfer(incoming, { actor: ops1, quantity: '0' })?.code).toBe('validation_failed');
    expect(checkCancelTransfer(incoming, { actor: client })).toBeNull();
    expect(checkCancelTransfer(out({ status: 'PROCESSING' }), { actor: client })?.code).toBe('invalid_state');
  });

  it('a request before its checks, or a declined one, takes no action', () => {
    expect(checkCancelTransfer(out({ status: 'REQUESTED' }), { actor: client })?.code).toBe('invalid_state');
    expect(checkApproveTransfer(out({ status: 'DECLINED' }), { actor: ops1 })?.code).toBe('invalid_state');
  });
});

describe('identities and recipes', () => {
  it('derives the registry reference from the business id', () => {
    expect(certificateTransferReference('0b6f1c0e-1111-4222-8333-444455556666')).toBe(
      'CHC0B6F1C0E111142228333444455556666',
    );
  });

  it('whole certificates only, canonical', () => {
    expect(checkQuantity('EUA', '0300')).toEqual({ ok: true, quantity: '300' });
    expect(checkQuantity('EUA', '3.0').ok).toBe(false);
    expect(checkQuantity('EUA', 300).ok).toBe(false);
  });

  it('holds from the client’s available certificates against the registry omnibus', () => {
    const recipe = certificateTransferOutHold(client.id, 'EUA', 150n);
    expect(recipe.transfers).toEqual([
      { debit: `client:${client.id}:EUA:available`, credit: 'registry:omnibus:EUA', amount: 150n },
    ]);
  });

  it('every status is reachable and the endings are terminal', () => {
    const targets = new Set(Object.values(CERTIFICATE_TRANSFER_TRANSITIONS).flatMap((m) => Object.values(m)));
    for (const ending of ['COMPLETED', 'FAILED', 'REJECTED', 'CANCELLED'] as const) {
      expect(targets.has(ending)).toBe(true);
      expect(CERTIFICATE_TRANSFER_TRANSITIONS[ending]).toEqual({});
    }
  });
});
