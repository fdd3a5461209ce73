// The inbox names and links every reconciliation task kind as the database writes it: the kind
// carries the break id after a colon, and both statement and internal breaks have subject type
// reconciliation_break (db/reconciliation/matching.ts, internal.ts, breaks.ts).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RECON_APPROVAL_TASK_PREFIX, RECON_BREAK_TASK_PREFIX } from '../../db/reconciliation/matching.js';
import { TASK_KIND_LABELS, taskKindLabel, taskSubjectPath } from './task-links.js';

describe('task links', () => {
  it('labels a break task and an adjustment approval by the kind before the break id', () => {
    const breakId = randomUUID();
    expect(taskKindLabel(`${RECON_BREAK_TASK_PREFIX}:${breakId}`)).toBe('Reconciliation break');
    expect(taskKindLabel(`${RECON_APPROVAL_TASK_PREFIX}:${breakId}`)).toBe(
      'Approve reconciliation adjustment',
    );
    // The inbox's kind filter offers the prefixes (db/lifecycle/tasks.ts matches kind or kind:…).
    expect(Object.keys(TASK_KIND_LABELS)).toEqual(
      expect.arrayContaining([RECON_BREAK_TASK_PREFIX, RECON_APPROVAL_TASK_PREFIX]),
    );
  });

  it('links every break task, of a statement or of an internal run, to the break page', () => {
    const breakId = randomUUID();
    expect(taskSubjectPath('reconciliation_break', breakId)).toBe(`/ops/reconciliation-breaks/${breakId}`);
  });

  it('keeps exact kinds and leaves unknown ones as they are', () => {
    expect(taskKindLabel('withdrawal.approve')).toBe('Approve withdrawal');
    expect(taskKindLabel('something.new')).toBe('something.new');
    expect(taskKindLabel('something.new:42')).toBe('something.new:42');
    expect(taskKindLabel(':reconciliation.break')).toBe(':reconciliation.break');
    expect(taskSubjectPath('unknown', 'x')).toBe('/ops/tasks');
  });
});
