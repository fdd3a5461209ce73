import { describe, expect, it } from 'vitest';
import { checkAdminChange, checkAuthPolicy, passwordProblems, secondFactorNeeded } from './admin.js';

describe('checkAdminChange', () => {
  const me = { actorId: 'me', targetId: 'me', targetRole: 'admin' as const, targetDisabled: false };
  it('never lets an admin lock themselves out', () => {
    expect(checkAdminChange({ ...me, action: 'disable' })?.code).toBe('forbidden');
    expect(checkAdminChange({ ...me, action: 'role', newRole: 'operations' })?.code).toBe('forbidden');
  });
  it('lets an admin change another user', () => {
    const other = { ...me, targetId: 'other' };
    expect(checkAdminChange({ ...other, action: 'disable' })).toBeNull();
    expect(checkAdminChange({ ...other, action: 'role', newRole: 'operations' })).toBeNull();
    expect(checkAdminChange({ ...other, targetDisabled: true, action: 'enable' })).toBeNull();
  });
  it('refuses changes that change nothing', () => {
    const other = { ...me, targetId: 'other' };
    expect(checkAdminChange({ ...other, action: 'enable' })?.code).toBe('invalid_state');
    expect(checkAdminChange({ ...other, targetDisabled: true, action: 'disable' })?.code).toBe(
      'invalid_state',
    );
    expect(checkAdminChange({ ...other, action: 'role', newRole: 'admin' })?.code).toBe('invalid_state');
  });
});

describe('passwords and the second factor', () => {
  it('asks for 12 characters that are not all spaces', () => {
    expect(passwordProblems('short')).toHaveLength(1);
    expect(passwordProblems(' '.repeat(12))).toHaveLength(1);
    expect(passwordProblems('a long enough password')).toEqual([]);
  });
  it('asks staff with TOTP for a code, and staff without it only when required', () => {
    expect(secondFactorNeeded('operations', true, 'offered')).toBe('code');
    expect(secondFactorNeeded('operations', false, 'offered')).toBe('none');
    expect(secondFactorNeeded('admin', false, 'required')).toBe('enrolment');
    expect(secondFactorNeeded('client', false, 'required')).toBe('none');
    expect(secondFactorNeeded('auditor', false, 'required')).toBe('none');
  });
  it('checks the auth policy', () => {
    expect(checkAuthPolicy({ staffTwoFactor: 'offered' })).toEqual([]);
    expect(checkAuthPolicy({ staffTwoFactor: 'sometimes' as never })).toHaveLength(1);
  });
});
