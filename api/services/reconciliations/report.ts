// GET /ops/reconciliations/:id/report.csv: every line, then every break, with its outcome, streamed a
// page at a time.
import { breaksOfStatement, linesPage } from '../../../db/reconciliation/index.js';
import { RECONCILIATION_TYPE } from '../../../domain/reconciliation/lifecycle.js';
import { auditStaffAction } from '../../audit/log.js';
import type { AppDeps } from '../../deps.js';
import { toBreakView, toLineView } from '../../reconciliation-view.js';
import type { SessionUser } from '../common.js';
import { reconciliations, requireStaffOrAuditor } from './lifecycle.js';

const REPORT_PAGE = 5000;
const REPORT_COLUMNS = [
  'record',
  'id',
  'origin',
  'booked_on',
  'value_on',
  'amount',
  'currency',
  'reference',
  'counterparty',
  'match_status',
  'rule',
  'entry_ids',
  'break_id',
  'break_kind',
  'break_status',
  'resolution',
  'note',
  'resolved_by',
  'approved_by',
  'adjustment_entry_id',
] as const;

/** RFC 4180 field; a leading =+-@ is prefixed with ' so a spreadsheet never runs it as a formula. */
function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?[0-9.]+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
const csvRow = (cells: (string | null)[]) => `${cells.map(csvField).join(',')}\r\n`;

/** GET /ops/reconciliations/:id/report.csv: every line, then every break, with its outcome. */
export async function reconciliationReport(
  deps: AppDeps,
  user: SessionUser,
  id: string,
): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
  requireStaffOrAuditor(user);
  const detail = await reconciliations.loadVisible(deps, user, id);
  const statementId = detail.businessId;
  const pool = deps.pool;
  async function* chunks(): AsyncGenerator<string> {
    yield csvRow([...REPORT_COLUMNS]);
    let after = '0';
    for (let pages = 0; pages < 1000; pages++) {
      const rows = await linesPage(pool, statementId, { afterId: after, limit: REPORT_PAGE });
      let out = '';
      for (const l of rows.map(toLineView))
        out += csvRow([
          'line',
          l.id,
          l.origin,
          l.bookedAt,
          l.valueAt,
          `${l.direction === 'DEBIT' ? '-' : ''}${l.amount}`,
          l.currency,
          l.reference,
          l.counterparty,
          l.matchStatus,
          l.rule,
          l.matchedEntryIds.join(' '),
          l.breakId,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
        ]);
      yield out;
      if (rows.length < REPORT_PAGE) break;
      after = rows.at(-1)?.id ?? after;
    }
    for (let offset = 0; offset < 1000 * REPORT_PAGE; offset += REPORT_PAGE) {
      const rows = await breaksOfStatement(pool, statementId, { limit: REPORT_PAGE, offset });
      let out = '';
      for (const b of rows.map(toBreakView))
        out += csvRow([
          'break',
          b.id,
          null,
          null,
          null,
          b.difference,
          b.asset,
          null,
          null,
          null,
          null,
          b.entryIds.join(' '),
          b.id,
          b.kind,
          b.status,
          b.resolution,
          b.note,
          b.resolvedBy,
          b.approvedBy,
          b.adjustmentEntryId,
        ]);
      yield out;
      if (rows.length < REPORT_PAGE) break;
    }
  }
  await auditStaffAction(pool, user, `${RECONCILIATION_TYPE}.report`, {
    type: RECONCILIATION_TYPE,
    id: statementId,
  });
  return { filename: `reconciliation-${statementId}.csv`, chunks: chunks() };
}
