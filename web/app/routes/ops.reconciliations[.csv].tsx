// /ops/reconciliations.csv: the reconciliation list with its status filter, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { allPages, csvResponse } from '../csv.server.js';
import { listQuery } from '../list-query.server.js';
import { requireUser } from '../session.server.js';
import { RECONCILIATION_READERS } from './ops.reconciliations._index.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const { status } = listQuery(request);
  const recon = context.services.reconciliations;
  const { items } = await allPages((cursor) => recon.list(user, { status, cursor, limit: 200 }));
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
    ]),
  );
}
