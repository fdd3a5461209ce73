// The verification lifecycle a client's external account goes through (bank accounts for cash,
// registry accounts for certificates): registered by its client PENDING_VERIFICATION, then verified
// or rejected by operations. What each kind of account adds (its fields, removal, the registry's
// confirmation) stays in its own module; the start checks and the Update checks are these.
import {
  checkLifecycleAction,
  checkUpdate,
  isActor,
  validation,
  type Actor,
  type PermissionTable,
  type Refusal,
  type TransitionTable,
} from './lifecycle.js';
import { isUuid } from './ids.js';

/** One problem of a field a client typed, in words (a form shows them all at once). */
export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

export interface VerificationPolicy {
  /** Service level of the verification task (its due date). */
  verifyDueMs: number;
}

/** Three days to verify. */
export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy = { verifyDueMs: 3 * 24 * 60 * 60 * 1000 };

/** Only operations verify or reject (an admin covers operations). */
export const VERIFICATION_PERMISSIONS: PermissionTable<'verify' | 'reject'> = {
  verify: { kind: 'roles', roles: ['operations'] },
  reject: { kind: 'roles', roles: ['operations'] },
};

export interface VerifyAccountArgs {
  actor: Actor;
  note?: string | null;
}
export interface RejectAccountArgs {
  actor: Actor;
  reason: string;
}

/** What the Update checks look at. */
export interface VerifiedAccountView<Status extends string> {
  status: Status;
  clientId: string;
}

/** What every registration carries besides the account's own fields. */
export interface VerificationStart {
  clientId: string;
  policy: VerificationPolicy;
  /** The client who registered it. */
  requestedBy: Actor;
}

/**
 * The start check of a verification workflow: `id` (the row's UUID, named `idField`), the client,
 * the account's fields (`fields`: their issues), the registering client and the policy.
 * `noun` words the refusals ("bank account").
 */
export function checkVerificationStart(
  input: VerificationStart,
  account: {
    idField: string;
    id: unknown;
    noun: string;
    fields: () => { ok: true } | { ok: false; issues: FieldIssue[] };
  },
): Refusal | null {
  if (typeof input !== 'object' || input === null) return validation('', 'invalid_type', 'input is missing');
  const { idField, id, noun } = account;
  if (!isUuid(id)) return validation(idField, 'invalid_string', `${idField} must be a UUID`);
  if (!isUuid(input.clientId)) return validation('clientId', 'invalid_string', 'clientId must be a UUID');
  const fields = account.fields();
  if (!fields.ok) {
    return {
      code: 'validation_failed',
      message: fields.issues[0]?.message ?? `the ${noun} is not valid`,
      details: { issues: fields.issues },
    };
  }
  if (
    !isActor(input.requestedBy) ||
    input.requestedBy.role !== 'client' ||
    input.requestedBy.id !== input.clientId
  ) {
    return { code: 'forbidden', message: `a ${noun} is registered by the client it belongs to` };
  }
  const due = input.policy?.verifyDueMs;
  if (!(typeof due === 'number' && Number.isSafeInteger(due) && due > 0)) {
    return validation(
      'policy.verifyDueMs',
      'invalid_type',
      'verifyDueMs must be a positive whole number of milliseconds',
    );
  }
  return null;
}

/** The Update checks of one kind of account, from its tables. */
export function verificationChecks<Status extends string, Action extends string>(
  transitions: TransitionTable<Status, Action>,
  permissions: PermissionTable<Action>,
) {
  const action = (view: VerifiedAccountView<Status>, name: Action, actor: unknown): Refusal | null =>
    checkLifecycleAction(transitions, permissions, view, name, actor);
  return {
    action,
    verify: (view: VerifiedAccountView<Status>, args: VerifyAccountArgs): Refusal | null =>
      checkUpdate(args, (actor) => action(view, 'verify' as Action, actor), {
        field: 'note',
        required: false,
      }),
    reject: (view: VerifiedAccountView<Status>, args: RejectAccountArgs): Refusal | null =>
      checkUpdate(args, (actor) => action(view, 'reject' as Action, actor), {
        field: 'reason',
        required: true,
      }),
  };
}
