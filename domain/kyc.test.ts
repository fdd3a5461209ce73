import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KYC_ACTIONS,
  KYC_STATUSES,
  KYC_TRANSITIONS,
  checkApprove,
  checkKycInput,
  checkKycPolicy,
  checkReject,
  checkRequestChanges,
  checkSubmit,
  currentDocuments,
  fileExtension,
  isKycApproved,
  kycPolicy,
  kycWorkflowId,
  missingRequirements,
  uploadLabelProblem,
  type KycAction,
  type KycDocumentFacts,
  type KycStatus,
} from './kyc.js';
import { isTerminal, nextStatus, type Actor } from './lifecycle.js';

const ALLOWED: [KycStatus, KycAction, KycStatus][] = [
  ['NOT_STARTED', 'submit', 'PENDING_REVIEW'],
  ['PENDING_REVIEW', 'approve', 'APPROVED'],
  ['PENDING_REVIEW', 'reject', 'REJECTED'],
  ['PENDING_REVIEW', 'request_changes', 'CHANGES_REQUESTED'],
  ['APPROVED', 'expire', 'EXPIRED'],
  ['CHANGES_REQUESTED', 'submit', 'PENDING_REVIEW'],
  ['EXPIRED', 'submit', 'PENDING_REVIEW'],
];

describe('the KYC transition table', () => {
  it('allows exactly the listed transitions', () => {
    for (const status of KYC_STATUSES) {
      for (const action of KYC_ACTIONS) {
        const expected = ALLOWED.find(([s, a]) => s === status && a === action)?.[2];
        const next = nextStatus(KYC_TRANSITIONS, status, action);
        expect(next.ok ? next.to : null, `${status} ${action}`).toBe(expected ?? null);
      }
    }
  });

  it('ends only in REJECTED; approval is the only status that unlocks money', () => {
    expect(KYC_STATUSES.filter((s) => isTerminal(KYC_TRANSITIONS, s))).toEqual(['REJECTED']);
    expect(KYC_STATUSES.filter(isKycApproved)).toEqual(['APPROVED']);
  });
});

const clientId = randomUUID();
const client: Actor = { id: clientId, role: 'client' };
const other: Actor = { id: randomUUID(), role: 'client' };
const ops: Actor = { id: randomUUID(), role: 'operations' };
const admin: Actor = { id: randomUUID(), role: 'admin' };
const aml: Actor = { id: randomUUID(), role: 'aml_officer' };
const auditor: Actor = { id: randomUUID(), role: 'auditor' };
const passport = { id: randomUUID(), type: 'passport' as const };
const address = { id: randomUUID(), type: 'proof_of_address' as const };

describe('documents', () => {
  it('needs an identity document and a proof of address', () => {
    expect(missingRequirements([]).map((r) => r.key)).toEqual(['identity_document', 'proof_of_address']);
    expect(missingRequirements([passport]).map((r) => r.key)).toEqual(['proof_of_address']);
    expect(missingRequirements([{ type: 'national_id' }, address])).toEqual([]);
    expect(missingRequirements([{ type: 'company_registration' }, address]).map((r) => r.key)).toEqual([
      'identity_document',
    ]);
  });

  it('counts the newest document of each type, never an expired one', () => {
    const doc = (
      type: KycDocumentFacts['type'],
      uploadedAt: string,
      status: KycDocumentFacts['status'] = 'UPLOADED',
    ) => ({
      id: randomUUID(),
      type,
      uploadedAt,
      status,
    });
    const oldPassport = doc('passport', '2026-01-01T00:00:00.000Z', 'RETURNED');
    const newPassport = doc('passport', '2026-02-01T00:00:00.000Z');
    const expiredAddress = doc('proof_of_address', '2026-03-01T00:00:00.000Z', 'EXPIRED');
    const current = currentDocuments([oldPassport, expiredAddress, newPassport]);
    expect(current.map((d) => d.id)).toEqual([newPassport.id]);
    expect(missingRequirements(current).map((r) => r.key)).toEqual(['proof_of_address']);
  });

  it('judges uploads by their bytes and refuses names or declared types that disagree', () => {
    expect(fileExtension('scan.PDF')).toBe('pdf');
    expect(fileExtension('scan')).toBeNull();
    expect(fileExtension('.hidden')).toBeNull();
    expect(fileExtension('C:\\docs\\id.jpeg')).toBe('jpeg');
    expect(uploadLabelProblem('application/pdf', 'passport.pdf', 'application/pdf')).toBeNull();
    expect(uploadLabelProblem('image/jpeg', 'photo.JPG', 'image/jpg')).toBeNull();
    expect(uploadLabelProblem('image/png', 'scan', 'application/octet-stream')).toBeNull();
    expect(uploadLabelProblem('image/png', 'passport.pdf', 'application/pdf')).toMatch(/PNG.*\.pdf/);
    expect(uploadLabelProblem('application/pdf', 'bill.png', null)).toMatch(/PDF.*\.png/);
    expect(uploadLabelProblem('image/png', 'scan', 'application/pdf')).toMatch(/sent as application\/pdf/);
  });
});

describe('Update checks', () => {
  const notStarted = { status: 'NOT_STARTED' as const, clientId };
  const pending = { status: 'PENDING_REVIEW' as const, clientId };

  it('lets only the owner submit, with the required documents', () => {
    expect(checkSubmit(notStarted, { actor: client, documents: [passport, address] })).toBeNull();
    expect(checkSubmit(notStarted, { actor: other, documents: [passport, address] })?.code).toBe('forbidden');
    expect(checkSubmit(notStarted, { actor: ops, documents: [passport, address] })?.code).toBe('forbidden');
    expect(checkSubmit(notStarted, { actor: client, documents: [passport] })).toMatchObject({
      code: 'validation_failed',
      details: { issues: [{ path: 'documents', code: 'missing_documents' }] },
    });
    expect(checkSubmit(notStarted, { actor: client, documents: [passport, passport, address] })?.code).toBe(
      'validation_failed',
    );
    expect(checkSubmit(pending, { actor: client, documents: [passport, address] })?.code).toBe(
      'invalid_state',
    );
    expect(
      checkSubmit({ status: 'REJECTED', clientId }, { actor: client, documents: [passport, address] })?.code,
    ).toBe('invalid_state');
  });

  it('lets operations and admins decide; reasons and comments are required', () => {
    expect(checkApprove(pending, { actor: ops })).toBeNull();
    expect(checkApprove(pending, { actor: admin, note: 'ok' })).toBeNull();
    expect(checkApprove(pending, { actor: aml })?.code).toBe('forbidden');
    expect(checkApprove(pending, { actor: auditor })?.code).toBe('forbidden');
    expect(checkApprove(pending, { actor: client })?.code).toBe('forbidden');
    expect(checkReject(pending, { actor: ops, reason: 'sanctions list match' })).toBeNull();
    expect(checkReject(pending, { actor: ops, reason: '' })?.code).toBe('validation_failed');
    expect(
      checkRequestChanges(pending, { actor: ops, comments: 'the bill is older than 3 months' }),
    ).toBeNull();
    expect(checkRequestChanges(pending, { actor: ops, comments: '  ' })?.code).toBe('validation_failed');
    expect(checkApprove(notStarted, { actor: ops })?.code).toBe('invalid_state');
    expect(checkApprove({ status: 'APPROVED', clientId }, { actor: ops })?.code).toBe('invalid_state');
  });

  it('checks input and policy', () => {
    expect(checkKycInput({ clientId, policy: kycPolicy() })).toBeNull();
    expect(checkKycInput({ clientId: 'nope', policy: kycPolicy() })?.code).toBe('validation_failed');
    expect(checkKycPolicy(kycPolicy({ approvalValidityMs: 0 }))).toHaveLength(1);
    expect(kycWorkflowId(clientId)).toBe(`kyc-${clientId}`);
  });
});
