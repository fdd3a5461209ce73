// /ops/settlement-batches.csv: the batch list with the filters and the sort in effect, every page of
// it; one row per batch and asset (a batch nets several assets), a batch without totals once.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';
import { staffListRows } from '../staff-list.server.js';

const READERS = ['operations', 'aml_officer', 'admin', 'auditor'] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, READERS);
  const settlements = context.services.settlements;
  const items = await staffListRows(
    request,
    user,
    { list: settlements.listBatches, lists: settlements.batchLists },
    { clientFilter: false },
  );
  const rows: string[][] = [];
  for (const b of items) {
    const base = [b.id, b.cutoff, b.origin, b.status, String(b.trades), String(b.settlements)];
    if (b.totals.length === 0) rows.push([...base, '', '', '']);
    for (const t of b.totals) rows.push([...base, t.asset, t.gross, t.net]);
  }
  return csvResponse(
    'settlement-batches.csv',
    ['batch_id', 'cutoff', 'origin', 'status', 'trades', 'settlements', 'asset', 'gross', 'net'],
    rows,
  );
}
