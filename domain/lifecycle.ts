// The shape every lifecycle (deposit, withdrawal, KYC review, ...) shares, as pure types and rules:
// a transition table, who may perform which action, the timeline entry, and the refusals an Update
// validator raises. Workflows turn a Refusal into an ApplicationFailure of the same `code`, which the
// API maps to 409 / 403 / 400. Nothing here does I/O, reads a clock or draws randomness, so it runs
// inside workflow code as well as in the API.

import { AmountFormatError, formatAmount, parseAmount, type AssetCode } from './money.js';
import { isUuid } from './ids.js';
import { hasAnyRole, isRole, type Role } from './roles.js';

export type { Role } from './roles.js';

/** Who did something: always the authenticated session's user, never a request body. */
export interface Actor {
  id: string;
  role: Role;
}

/** One transition as shown on a timeline. `actor` is null when the system acted (a timer, a rule). */
export interface TimelineEntry<Status extends string = string> {
  /** Workflow time, ISO 8601 UTC. */
  at: string;
  /** null only for the first entry (the lifecycle came into being). */
  from: Status | null;
  to: Status;
  actor: Actor | null;
  reason: string | null;
}

/**
 * (from, action) → to. Every status is listed; a status with no actions is terminal. An action has
 * exactly one target: where one human request can end in several statuses (a confirmed deposit goes
 * on hold or to review), the workflow chooses between two actions, each with its own target.
 */
export type TransitionTable<Status extends string, Action extends string> = {
  readonly [S in Status]: { readonly [A in Action]?: Status };
};

/** Why a request was refused; the codes are the API's error codes (409 / 403 / 400). */
export type RefusalCode = 'invalid_state' | 'forbidden' | 'validation_failed';

export interface Refusal {
  code: RefusalCode;
  message: string;
  details?: unknown;
}

export type TransitionResult<Status extends string> =
  { ok: true; to: Status } | { ok: false; refusal: Refusal };

export function refuse(code: RefusalCode, message: string, details?: unknown): Refusal {
  return details === undefined ? { code, message } : { code, message, details };
}

/** Where `action` leads from `from`, or an invalid_state refusal naming what is allowed instead. */
export function nextStatus<Status extends string, Action extends string>(
  table: TransitionTable<Status, Action>,
  from: Status,
  action: Action,
): TransitionResult<Status> {
  const row: { readonly [A in Action]?: Status } | undefined = table[from];
  const to = row && Object.hasOwn(row, action) ? row[action] : undefined;
  if (to !== undefined) return { ok: true, to };
  const allowed = allowedActions(table, from);
  return {
    ok: false,
    refusal: refuse(
      'invalid_state',
      allowed.length === 0
        ? `cannot ${humanize(action)}: it is already ${from}`
        : `cannot ${humanize(action)} while ${from}`,
      { status: from, action, allowedActions: allowed },
    ),
  };
}

/** The actions defined from `from` (in table order). */
export function allowedActions<Status extends string, Action extends string>(
  table: TransitionTable<Status, Action>,
  from: Status,
): Action[] {
  return Object.keys(table[from] ?? {}) as Action[];
}

/** A status with no outgoing action: the lifecycle is over. */
export function isTerminal<Status extends string, Action extends string>(
  table: TransitionTable<Status, Action>,
  status: Status,
): boolean {
  return allowedActions(table, status).length === 0;
}

/** Who may perform an action. `system` actions (timers, rules) have no human actor at all. */
export type Permission =
  | { kind: 'system' }
  /** Anyone whose role covers one of `roles` (see roles.ts canActAs). */
  | { kind: 'roles'; roles: readonly Role[] }
  /** Only the lifecycle's owner (the client it belongs to), acting as a client. */
  | { kind: 'owner' };

export type PermissionTable<Action extends string> = { readonly [A in Action]: Permission };

/** null when `actor` may perform `action` on a lifecycle owned by `ownerId`; otherwise a forbidden refusal. */
export function authorize<Action extends string>(
  permissions: PermissionTable<Action>,
  action: Action,
  actor: Actor | null,
  ownerId: string | null,
): Refusal | null {
  const permission = permissions[action];
  if (permission.kind === 'system') {
    return actor === null
      ? null
      : refuse('forbidden', `${humanize(action)} is done by the system, not by a person`);
  }
  if (actor === null) return refuse('forbidden', `${humanize(action)} needs a person to do it`);
  if (permission.kind === 'owner') {
    return actor.role === 'client' && ownerId !== null && actor.id === ownerId
      ? null
      : refuse('forbidden', `only the client it belongs to may ${humanize(action)}`);
  }
  return hasAnyRole(actor.role, permission.roles)
    ? null
    : refuse(
        'forbidden',
        `your role (${actor.role}) may not ${humanize(action)}; it needs ${permission.roles.join(' or ')}`,
      );
}

/** The actions `actor` could perform right now: allowed from `status` and permitted (for UIs). */
export function actionsFor<Status extends string, Action extends string>(
  table: TransitionTable<Status, Action>,
  permissions: PermissionTable<Action>,
  status: Status,
  actor: Actor,
  ownerId: string | null,
): Action[] {
  return allowedActions(table, status).filter(
    (action) => authorize(permissions, action, actor, ownerId) === null,
  );
}

/** An actor as it arrives in an Update's arguments: a user id (UUID) and a known role. */
export function isActor(value: unknown): value is Actor {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { id?: unknown; role?: unknown };
  return isUuid(candidate.id) && isRole(candidate.role);
}

/** Builds the timeline entry of a transition at workflow time `atMs`. */
export function timelineEntry<Status extends string>(
  atMs: number,
  from: Status | null,
  to: Status,
  actor: Actor | null,
  reason: string | null,
): TimelineEntry<Status> {
  return {
    at: new Date(atMs).toISOString(),
    from,
    to,
    actor: actor ? { id: actor.id, role: actor.role } : null,
    reason,
  };
}

/** Trimmed free text of at most `max` characters, or a validation refusal naming `field`. */
export function checkText(
  value: unknown,
  field: string,
  options: { required: boolean; max?: number },
): { ok: true; value: string | null } | { ok: false; refusal: Refusal } {
  const max = options.max ?? 2000;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return options.required
      ? { ok: false, refusal: validation(field, 'required', `${field} is required`) }
      : { ok: true, value: null };
  }
  if (typeof value !== 'string')
    return { ok: false, refusal: validation(field, 'invalid_type', `${field} must be text`) };
  const trimmed = value.trim();
  if (trimmed.length > max) {
    return { ok: false, refusal: validation(field, 'too_big', `${field} must be at most ${max} characters`) };
  }
  return { ok: true, value: trimmed };
}

/** A validation_failed refusal with one issue, shaped like the API's `details.issues`. */
export function validation(path: string, code: string, message: string): Refusal {
  return refuse('validation_failed', message, { issues: [{ path, code, message }] });
}

/** The part of a lifecycle's state every action check looks at. */
export interface LifecycleView<Status extends string> {
  status: Status;
  clientId: string | null;
}

/**
 * Shape, permission and status of `action` requested by `actor` (the common part of every check):
 * a malformed actor is a validation refusal, then forbidden, then invalid_state.
 */
export function checkLifecycleAction<Status extends string, Action extends string>(
  table: TransitionTable<Status, Action>,
  permissions: PermissionTable<Action>,
  view: LifecycleView<Status>,
  action: Action,
  actor: unknown,
): Refusal | null {
  if (!isActor(actor)) return validation('actor', 'invalid_type', 'actor must be { id: UUID, role }');
  const forbidden = authorize(permissions, action, actor, view.clientId);
  if (forbidden) return forbidden;
  const next = nextStatus(table, view.status, action);
  return next.ok ? null : next.refusal;
}

/** An Update's arguments must be an object; null when they are, else a validation refusal. */
export function checkArgsPresent(args: unknown): Refusal | null {
  return typeof args !== 'object' || args === null
    ? validation('', 'invalid_type', 'arguments are missing')
    : null;
}

/**
 * The usual Update check: the arguments are present, `checkAction(args.actor)` passes, and (when
 * `text` is given) the free-text field `text.field` passes checkText.
 */
export function checkUpdate<Args extends { actor: unknown }>(
  args: Args,
  checkAction: (actor: unknown) => Refusal | null,
  text?: { field: keyof Args & string; required: boolean },
): Refusal | null {
  const missing = checkArgsPresent(args);
  if (missing) return missing;
  const refused = checkAction(args.actor);
  if (refused) return refused;
  if (text === undefined) return null;
  const checked = checkText(args[text.field], text.field, { required: text.required });
  return checked.ok ? null : checked.refusal;
}

/** A normalized amount (canonical decimal string of `asset`) or a validation refusal naming `field`. */
export function checkDecimalAmount(
  asset: AssetCode,
  value: unknown,
  field: string,
): { ok: true; amount: string } | { ok: false; refusal: Refusal } {
  if (typeof value !== 'string')
    return { ok: false, refusal: validation(field, 'invalid_type', `${field} must be a decimal string`) };
  try {
    return { ok: true, amount: formatAmount(asset, parseAmount(asset, value)) };
  } catch (error) {
    if (error instanceof AmountFormatError)
      return { ok: false, refusal: validation(field, 'invalid_amount', error.message) };
    throw error;
  }
}

/** A problem for each of `keys` of `policy` that is not a positive whole number of milliseconds. */
export function durationProblems<Key extends string>(
  policy: { readonly [K in Key]?: unknown } | null | undefined,
  keys: readonly Key[],
): string[] {
  const problems: string[] = [];
  for (const key of keys) {
    const value = policy?.[key];
    if (!(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) {
      problems.push(`${key} must be a positive whole number of milliseconds`);
    }
  }
  return problems;
}

const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A caller's business id: 1-128 letters, digits or ._:- characters, starting with a letter or digit. */
export function isBusinessId(value: unknown): value is string {
  return typeof value === 'string' && BUSINESS_ID.test(value);
}

function humanize(action: string): string {
  return action.replaceAll('_', ' ');
}
