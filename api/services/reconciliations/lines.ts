// A statement's lines and breaks a page at a time, and one break by its id (where an inbox task links).
import { z } from 'zod';
import {
  breaksOfStatement,
  getBreakWithTask,
  linesPage,
  type LineMatchStatus,
} from '../../../db/reconciliation/index.js';
import type { AppDeps } from '../../deps.js';
import { notFound } from '../../errors.js';
import {
  toBreakView,
  toLineView,
  type ReconciliationBreakView,
  type StatementLineView,
} from '../../reconciliation-view.js';
import { listQuerySchema, uuidSchema } from '../../validate.js';
import { parseInput, type SessionUser } from '../common.js';
import { reconciliations, requireStaffOrAuditor } from './lifecycle.js';

export const ListLinesQuerySchema = listQuerySchema.extend({
  matchStatus: z.enum(['MATCHED', 'UNMATCHED', 'RESOLVED']).optional(),
});
export const ListBreaksQuerySchema = listQuerySchema.extend({
  status: z.enum(['OPEN', 'PENDING_APPROVAL', 'RESOLVED', 'DISMISSED']).optional(),
});

/** Lines and breaks page by an opaque cursor: the last line id, or the offset of the next break. */
const cursorOf = (value: string | undefined) => (value && /^[0-9]{1,18}$/.test(value) ? value : '0');

export async function listLines(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  query: Record<string, unknown>,
): Promise<{ items: StatementLineView[]; nextCursor: string | null }> {
  requireStaffOrAuditor(user);
  const q = parseInput(ListLinesQuerySchema, query, 'query');
  await reconciliations.loadVisible(deps, user, id);
  const rows = await linesPage(deps.pool, id.toLowerCase(), {
    matchStatus: q.matchStatus as LineMatchStatus | undefined,
    afterId: cursorOf(q.cursor),
    limit: q.limit,
  });
  return {
    items: rows.map(toLineView),
    nextCursor: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null,
  };
}

export async function listBreaks(
  deps: AppDeps,
  user: SessionUser,
  id: string,
  query: Record<string, unknown>,
): Promise<{ items: ReconciliationBreakView[]; nextCursor: string | null }> {
  requireStaffOrAuditor(user);
  const q = parseInput(ListBreaksQuerySchema, query, 'query');
  await reconciliations.loadVisible(deps, user, id);
  const offset = Number(cursorOf(q.cursor));
  const rows = await breaksOfStatement(deps.pool, id.toLowerCase(), {
    status: q.status,
    limit: q.limit,
    offset,
  });
  return {
    items: rows.map(toBreakView),
    nextCursor: rows.length === q.limit ? String(offset + rows.length) : null,
  };
}

/** One break of a statement or of an internal run (`statementId` null), with its task. */
export async function getBreakFor(deps: AppDeps, user: SessionUser, breakId: string) {
  requireStaffOrAuditor(user);
  const row = uuidSchema.safeParse(breakId).success ? await getBreakWithTask(deps.pool, breakId) : null;
  if (!row) throw notFound('no such reconciliation break');
  return row;
}
