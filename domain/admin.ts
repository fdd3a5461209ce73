// Rules of user administration, as pure data and predicates: who may change whose role or access,
// how long an invitation or a reset link lives, what a password must be, and when a staff member
// must sign in with a second factor. api/services/admin-users.ts asks these before any write.

import { isStaff, type Role } from './roles.js';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

/** An invitation's set-password link works this long. */
export const INVITATION_TTL_MS = 72 * HOUR_MS;
/** A password-reset link works this long. */
export const PASSWORD_RESET_TTL_MS = 30 * MINUTE_MS;
/** Shortest and longest password accepted (longer ones cost scrypt time for nothing). */
export const PASSWORD_LENGTH_MIN = 12;
export const PASSWORD_LENGTH_MAX = 1024;
/** Recovery codes made at TOTP enrolment; each works once. */
export const RECOVERY_CODE_COUNT = 10;
/** Rows in one page of the user list. */
export const USER_PAGE_MAX = 200;

export type AdminAction = 'role' | 'disable' | 'enable';

/** Why an administrative change is refused (the API's code and words). */
export interface AdminRefusal {
  code: 'forbidden' | 'invalid_state' | 'validation_failed';
  message: string;
}

/**
 * Whether `actorId` may apply `action` to user `targetId` (currently `targetRole`, `targetDisabled`),
 * with `newRole` for a role change. An admin never locks themselves out: they cannot disable
 * themselves nor take their own admin role away — another admin must do it. Null when allowed.
 */
export function checkAdminChange(input: {
  actorId: string;
  targetId: string;
  targetRole: Role;
  targetDisabled: boolean;
  action: AdminAction;
  newRole?: Role;
}): AdminRefusal | null {
  const self = input.actorId === input.targetId;
  switch (input.action) {
    case 'disable':
      if (self) return { code: 'forbidden', message: 'you cannot disable your own account' };
      if (input.targetDisabled) return { code: 'invalid_state', message: 'the user is disabled already' };
      return null;
    case 'enable':
      if (!input.targetDisabled) return { code: 'invalid_state', message: 'the user is enabled already' };
      return null;
    case 'role':
      if (input.newRole === undefined) return { code: 'validation_failed', message: 'a role is required' };
      if (self && input.targetRole === 'admin' && input.newRole !== 'admin')
        return { code: 'forbidden', message: 'you cannot take away your own administrator role' };
      if (input.newRole === input.targetRole)
        return { code: 'invalid_state', message: `the user already has the role ${input.newRole}` };
      return null;
  }
}

/** Every reason `password` is not acceptable, in words; empty when it is. */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_LENGTH_MIN)
    problems.push(`a password has at least ${PASSWORD_LENGTH_MIN} characters`);
  if (password.length > PASSWORD_LENGTH_MAX)
    problems.push(`a password has at most ${PASSWORD_LENGTH_MAX} characters`);
  if (password.trim() === '') problems.push('a password is not only spaces');
  return problems;
}

/**
 * How two-factor sign-in applies to staff: `offered` (staff may enrol; those enrolled must give a
 * code) or `required` (staff without TOTP are refused at sign-in until they enrol — set it only
 * after every staff member has enrolled). Clients and auditors are never asked.
 */
export type TwoFactorMode = 'offered' | 'required';
export const TWO_FACTOR_MODES: readonly TwoFactorMode[] = ['offered', 'required'];

export function isTwoFactorMode(value: unknown): value is TwoFactorMode {
  return typeof value === 'string' && (TWO_FACTOR_MODES as readonly string[]).includes(value);
}

/** Whether `role` may enrol in TOTP at all (staff roles). */
export function mayEnrolTotp(role: Role): boolean {
  return isStaff(role);
}

/**
 * What sign-in needs after a correct password: 'none' (issue the session), 'code' (a TOTP or
 * recovery code), or 'enrolment' (mode `required`, a staff member who has not enrolled).
 */
export function secondFactorNeeded(
  role: Role,
  totpEnabled: boolean,
  mode: TwoFactorMode,
): 'none' | 'code' | 'enrolment' {
  if (!isStaff(role)) return 'none';
  if (totpEnabled) return 'code';
  return mode === 'required' ? 'enrolment' : 'none';
}

/** The sign-in policy (policy `auth`, AUTH_POLICY_JSON as first defaults). */
export interface AuthPolicy {
  staffTwoFactor: TwoFactorMode;
}

export const DEFAULT_AUTH_POLICY: AuthPolicy = { staffTwoFactor: 'offered' };

export function authPolicy(overrides: Partial<AuthPolicy> = {}): AuthPolicy {
  return { ...DEFAULT_AUTH_POLICY, ...overrides };
}

export function checkAuthPolicy(policy: AuthPolicy): string[] {
  if (typeof policy !== 'object' || policy === null) return ['the policy is missing'];
  return isTwoFactorMode(policy.staffTwoFactor) ? [] : ["staffTwoFactor must be 'offered' or 'required'"];
}
