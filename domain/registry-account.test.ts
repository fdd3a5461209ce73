import { describe, expect, it } from 'vitest';
import {
  checkRegistryAccountFields,
  checkRegistryAccountId,
  checkRejectRegistryAccount,
  checkVerifyRegistryAccount,
  registryOfCertificate,
} from './registry-account.js';

const ops = { id: '00000000-0000-4000-8000-000000000001', role: 'operations' as const };
const client = { id: '00000000-0000-4000-8000-000000000002', role: 'client' as const };

describe('registry account ids', () => {
  it.each([
    ['EU', 'EU-100-5012345-0-61', 'EU-100-5012345-0-61'],
    ['EU', ' de-121-7000001-2-05 ', 'DE-121-7000001-2-05'],
    ['EU', 'GR-100-1-0-00', 'GR-100-1-0-00'],
    ['CN', 'cn-hold-00012345', 'CN-HOLD-00012345'],
    ['CN', 'CN-OMNIBUS-0001', 'CN-OMNIBUS-0001'],
  ] as const)('%s %j is %s', (registry, raw, normalised) => {
    expect(checkRegistryAccountId(registry, raw)).toEqual({ ok: true, accountId: normalised });
  });

  it.each([
    ['EU', 'EU-100-5012345-0-6', 'wrong_format'],
    ['EU', 'EU-100-5012345-0', 'wrong_format'],
    ['EU', 'EU1005012345061', 'wrong_format'],
    ['EU', 'EU-1000-5012345-0-61', 'wrong_format'],
    ['EU', 'EU-100-12345678901-0-61', 'wrong_format'],
    ['EU', 'GB-100-5012345-0-61', 'unknown_registry_code'],
    ['EU', 'EL-100-5012345-0-61', 'unknown_registry_code'],
    ['CN', 'CN-H-00012345', 'wrong_format'],
    ['CN', 'CN-HOLD-123', 'wrong_format'],
    ['CN', 'CX-HOLD-00012345', 'wrong_format'],
    ['EU', '', 'required'],
    ['EU', 42, 'required'],
  ] as const)('%s %j is refused: %s', (registry, raw, code) => {
    const checked = checkRegistryAccountId(registry, raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues[0]?.code).toBe(code);
  });

  it('reports every problem of a registration at once', () => {
    const checked = checkRegistryAccountFields({
      registry: 'XX',
      accountId: 'EU-100-1-0-00',
      holderName: '',
    });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.map((i) => i.path)).toEqual(['registry', 'holderName']);
  });

  it('knows which registry holds which certificate', () => {
    expect(registryOfCertificate('EUA')).toBe('EU');
    expect(registryOfCertificate('CEA')).toBe('CN');
    expect(registryOfCertificate('EUR')).toBeNull();
  });
});

describe('verification checks', () => {
  const pending = { status: 'PENDING_VERIFICATION' as const, clientId: client.id };
  it('operations verify and reject a pending account; nobody acts on a decided one', () => {
    expect(checkVerifyRegistryAccount(pending, { actor: ops })).toBeNull();
    expect(checkVerifyRegistryAccount(pending, { actor: client })?.code).toBe('forbidden');
    expect(checkRejectRegistryAccount(pending, { actor: ops, reason: ' ' })?.code).toBe('validation_failed');
    expect(checkRejectRegistryAccount(pending, { actor: ops, reason: 'no' })).toBeNull();
    expect(checkVerifyRegistryAccount({ ...pending, status: 'VERIFIED' }, { actor: ops })?.code).toBe(
      'invalid_state',
    );
  });
});
