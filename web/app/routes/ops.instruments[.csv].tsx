// /ops/instruments.csv: the instrument list as the page shows it, with the filters, search and sort
// in effect; prices are decimal strings in the quote asset named beside them.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';
import { sortedListRows } from '../sorted-list.server.js';
import { INSTRUMENT_READERS } from './ops.instruments.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, INSTRUMENT_READERS);
  const list = context.services.trading.instrumentList;
  const instruments = await sortedListRows(request, list.sortOf, (query) => list.page(user, query));
  return csvResponse(
    'instruments.csv',
    [
      'symbol',
      'name',
      'asset',
      'venue',
      'quote_asset',
      'last_price',
      'reference_price',
      'price_band_pct',
      'tick_size',
      'lot_size',
      'status',
      'status_reason',
    ],
    instruments.map((i) => [
      i.symbol,
      i.name,
      i.asset,
      i.venue,
      i.quoteAsset,
      i.lastPrice ?? '',
      i.referencePrice,
      String(i.priceBandPct),
      i.tickSize,
      i.lotSize,
      i.status,
      i.statusReason ?? '',
    ]),
  );
}
