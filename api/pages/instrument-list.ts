// The staff's instrument list sorted by a column the viewer picks (symbol, name, venue, last price,
// reference price, status), searched by symbol or name, filtered by status, paged. The instruments
// are the domain's catalogue (domain/instruments.ts: a handful, their names only there, not in the
// instrument table), so the whole list is read once (GET /instruments' own service) and ordered here,
// under the staff lists' rules (db/lists/sorting.ts): a column outside the whitelist or a direction
// other than asc/desc is UnknownSortError, ties keep the symbol order, and a cursor names this list
// and sort (InvalidCursorError for another's).
import { clampLimit, decodeCursor, encodeCursor, InvalidCursorError } from '../../db/lifecycle/cursor.js';
import { UnknownSortError, type Sort } from '../../db/lists/sorting.js';
import type { InstrumentView } from '../services/market.js';

type Compare = (a: InstrumentView, b: InstrumentView) => number;
const byText =
  (key: (i: InstrumentView) => string): Compare =>
  (a, b) =>
    key(a).localeCompare(key(b), 'en');
/** Prices are decimal strings of their quote asset; a missing last price sorts below every price. */
const byPrice =
  (key: (i: InstrumentView) => string | null): Compare =>
  (a, b) =>
    Number(key(a) ?? -1) - Number(key(b) ?? -1);

/** The whitelist of the list's sortable columns. */
const INSTRUMENT_COMPARE = {
  symbol: byText((i) => i.symbol),
  name: byText((i) => i.name.toLowerCase()),
  venue: byText((i) => i.venue),
  last: byPrice((i) => i.lastPrice),
  reference: byPrice((i) => i.referencePrice),
  status: byText((i) => i.status),
} satisfies Record<string, Compare>;

const DEFAULT_SORT: Sort = { column: 'symbol', dir: 'asc' };

/** The sort `?sort=&dir=` ask for (UnknownSortError otherwise); both absent: by symbol. */
export function instrumentSortOf(column?: string | null, dir?: string | null): Sort {
  const name = column || DEFAULT_SORT.column;
  if (!Object.hasOwn(INSTRUMENT_COMPARE, name))
    throw new UnknownSortError(name, Object.keys(INSTRUMENT_COMPARE));
  if (dir && dir !== 'asc' && dir !== 'desc') throw new UnknownSortError(`direction ${dir}`, ['asc', 'desc']);
  return { column: name, dir: dir === 'desc' ? 'desc' : 'asc' };
}

export interface InstrumentListQuery {
  /** Part of the symbol or name, case-insensitive. */
  text?: string;
  status?: string;
  sort?: Sort;
  cursor?: string;
  limit?: number;
}

const cursorKind = (sort: Sort) => `instruments:${sort.column}:${sort.dir}`;

/** A page of `all` found, filtered and ordered by the query; the cursor is the next page's offset. */
export function instrumentPage(
  all: readonly InstrumentView[],
  query: InstrumentListQuery,
): { items: InstrumentView[]; nextCursor: string | null } {
  const sort = query.sort ?? DEFAULT_SORT;
  const compare = INSTRUMENT_COMPARE[sort.column as keyof typeof INSTRUMENT_COMPARE];
  if (!compare) throw new UnknownSortError(sort.column, Object.keys(INSTRUMENT_COMPARE));
  const limit = clampLimit(query.limit);
  const text = query.text?.trim().toLowerCase();
  const found = all.filter(
    (i) =>
      (!query.status || i.status === query.status) &&
      (!text || i.symbol.toLowerCase().includes(text) || i.name.toLowerCase().includes(text)),
  );
  const direction = sort.dir === 'asc' ? 1 : -1;
  const ordered = [...found].sort(
    (a, b) => direction * (compare(a, b) || a.symbol.localeCompare(b.symbol, 'en')),
  );
  let offset = 0;
  if (query.cursor) {
    offset = decodeCursor(cursorKind(sort), query.cursor, ['n'])[0] as number;
    if (!(Number.isInteger(offset) && offset > 0)) throw new InvalidCursorError(query.cursor);
  }
  const items = ordered.slice(offset, offset + limit);
  const next = offset + items.length;
  return { items, nextCursor: next < ordered.length ? encodeCursor(cursorKind(sort), [next]) : null };
}
