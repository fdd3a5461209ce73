// /ops/reconciliations.csv: the reconciliation list with the filters, search and sort in effect,
// every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';
import { RECONCILIATION_LIST_OPTIONS, RECONCILIATION_READERS } from './ops.reconciliations._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const recon = context.services.reconciliations;
  const items = await staffListRows(request, user, recon, RECONCILIATION_LIST_OPTIONS);
  return csvResponse(
    'reconciliations.csv',
    [
      'reconciliation_id',
      'account_code',
      'format',
      'status',
      'from',
      'to',
      'currency',
      'opening_balance',
      'closing_balance',
      'consistent',
      'lines',
      'matched_percent',
      'breaks',
      'oldest_open_break_at',
      'imported_at',
    ],
    items.map((r) => [
      r.id,
      r.accountCode,
      r.format,
      r.status,
      r.statement.from,
      r.statement.to,
      r.statement.currency,
      r.statement.openingBalance,
      r.statement.closingBalance,
      String(r.statement.consistent),
      String(r.statement.lines),
      String(r.matchedPercent),
      String(r.breaks),
      r.oldestOpenBreakAt ?? '',
      r.createdAt,
    ]),
  );
}
