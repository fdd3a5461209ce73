import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  allowedActions,
  authorize,
  checkText,
  isActor,
  isTerminal,
  nextStatus,
  timelineEntry,
  type PermissionTable,
  type TransitionTable,
} from './lifecycle.js';

// A tiny lifecycle, only for the generic machinery.
type S = 'OPEN' | 'DONE' | 'GONE';
type A = 'finish' | 'drop' | 'tick';
const table: TransitionTable<S, A> = {
  OPEN: { finish: 'DONE', drop: 'GONE', tick: 'OPEN' },
  DONE: {},
  GONE: {},
};
const permissions: PermissionTable<A> = {
  finish: { kind: 'roles', roles: ['operations'] },
  drop: { kind: 'owner' },
  tick: { kind: 'system' },
};
const owner = '11111111-1111-4111-8111-111111111111';
const other = '22222222-2222-4222-8222-222222222222';

describe('nextStatus', () => {
  it('returns the target of an allowed action, including a self-loop', () => {
    expect(nextStatus(table, 'OPEN', 'finish')).toEqual({ ok: true, to: 'DONE' });
    expect(nextStatus(table, 'OPEN', 'tick')).toEqual({ ok: true, to: 'OPEN' });
  });

  it('refuses an action the status does not allow, as invalid_state with the allowed ones', () => {
    const result = nextStatus(table, 'DONE', 'finish');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.code).toBe('invalid_state');
    expect(result.refusal.message).toBe('cannot finish: it is already DONE');
    expect(result.refusal.details).toEqual({ status: 'DONE', action: 'finish', allowedActions: [] });
  });

  it('does not mistake inherited object properties for actions', () => {
    expect(nextStatus(table, 'OPEN', 'toString' as A).ok).toBe(false);
  });

  it('lists allowed actions and knows terminal statuses', () => {
    expect(allowedActions(table, 'OPEN')).toEqual(['finish', 'drop', 'tick']);
    expect(isTerminal(table, 'OPEN')).toBe(false);
    expect(isTerminal(table, 'DONE')).toBe(true);
  });
});

describe('authorize', () => {
  it('lets a role (and roles covering it) act, and refuses others as forbidden', () => {
    expect(authorize(permissions, 'finish', { id: other, role: 'operations' }, owner)).toBeNull();
    expect(authorize(permissions, 'finish', { id: other, role: 'admin' }, owner)).toBeNull(); // admin covers operations
    expect(authorize(permissions, 'finish', { id: other, role: 'aml_officer' }, owner)?.code).toBe(
      'forbidden',
    );
    expect(authorize(permissions, 'finish', { id: owner, role: 'client' }, owner)?.code).toBe('forbidden');
  });

  it('lets only the owning client perform an owner action', () => {
    expect(authorize(permissions, 'drop', { id: owner, role: 'client' }, owner)).toBeNull();
    expect(authorize(permissions, 'drop', { id: other, role: 'client' }, owner)?.code).toBe('forbidden');
    expect(authorize(permissions, 'drop', { id: owner, role: 'admin' }, owner)?.code).toBe('forbidden');
    expect(authorize(permissions, 'drop', { id: owner, role: 'client' }, null)?.code).toBe('forbidden');
  });

  it('keeps system actions for the system', () => {
    expect(authorize(permissions, 'tick', null, owner)).toBeNull();
    expect(authorize(permissions, 'tick', { id: other, role: 'admin' }, owner)?.code).toBe('forbidden');
    expect(authorize(permissions, 'finish', null, owner)?.code).toBe('forbidden');
  });

  it('lists what an actor could do now', () => {
    expect(actionsFor(table, permissions, 'OPEN', { id: owner, role: 'client' }, owner)).toEqual(['drop']);
    expect(actionsFor(table, permissions, 'DONE', { id: other, role: 'operations' }, owner)).toEqual([]);
  });
});

describe('helpers', () => {
  it('recognises actors', () => {
    expect(isActor({ id: owner, role: 'client' })).toBe(true);
    expect(isActor({ id: 'bob', role: 'client' })).toBe(false);
    expect(isActor({ id: owner, role: 'root' })).toBe(false);
    expect(isActor(null)).toBe(false);
  });

  it('builds timeline entries at workflow time, copying the actor', () => {
    const actor = { id: owner, role: 'client' as const, extra: 'dropped' };
    expect(timelineEntry<S>(Date.UTC(2026, 0, 2, 3, 4, 5), 'OPEN', 'DONE', actor, 'why')).toEqual({
      at: '2026-01-02T03:04:05.000Z',
      from: 'OPEN',
      to: 'DONE',
      actor: { id: owner, role: 'client' },
      reason: 'why',
    });
  });

  it('checks free text', () => {
    expect(checkText('  hi ', 'note', { required: true })).toEqual({ ok: true, value: 'hi' });
    expect(checkText(undefined, 'note', { required: false })).toEqual({ ok: true, value: null });
    const missing = checkText('   ', 'note', { required: true });
    expect(missing.ok === false && missing.refusal.code).toBe('validation_failed');
    const long = checkText('x'.repeat(11), 'note', { required: true, max: 10 });
    expect(long.ok === false && long.refusal.details).toEqual({
      issues: [{ path: 'note', code: 'too_big', message: 'note must be at most 10 characters' }],
    });
    expect(checkText(42, 'note', { required: false }).ok).toBe(false);
  });
});
