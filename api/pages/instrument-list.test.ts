// The instrument list ordered, searched and paged in memory under the staff lists' rules: the
// whitelist, both directions, ties by symbol, prices compared as numbers, and a cursor of one sort.
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../db/lifecycle/cursor.js';
import { UnknownSortError } from '../../db/lists/sorting.js';
import type { InstrumentView } from '../services/market.js';
import { instrumentPage, instrumentSortOf } from './instrument-list.js';

const instrument = (symbol: string, name: string, over: Partial<InstrumentView> = {}): InstrumentView => ({
  symbol,
  name,
  asset: symbol,
  quoteAsset: 'EUR',
  venue: 'internal',
  tickSize: '0.01',
  lotSize: '1',
  referencePrice: '70.00',
  priceBandPct: 10,
  status: 'OPEN',
  statusReason: null,
  lastPrice: null,
  ...over,
});

const ALL = [
  instrument('EUA', 'EU Allowance', { lastPrice: '9.50', referencePrice: '70.00' }),
  instrument('CEA', 'China Allowance', { lastPrice: '10.25', referencePrice: '8.00', status: 'HALTED' }),
  instrument('KRBN', 'KraneShares Carbon ETF', { venue: 'paper', referencePrice: '100.00' }),
];
const symbols = (page: { items: InstrumentView[] }) => page.items.map((i) => i.symbol);

describe('instrument list (api/pages/instrument-list.ts)', () => {
  it('sorts by each column both ways, prices as numbers and a missing last price lowest', () => {
    expect(symbols(instrumentPage(ALL, {}))).toEqual(['CEA', 'EUA', 'KRBN']);
    expect(symbols(instrumentPage(ALL, { sort: instrumentSortOf('name', 'desc') }))).toEqual([
      'KRBN',
      'EUA',
      'CEA',
    ]);
    // "9.50" < "10.25" as numbers (not as text); KRBN has no last price yet.
    expect(symbols(instrumentPage(ALL, { sort: instrumentSortOf('last', 'desc') }))).toEqual([
      'CEA',
      'EUA',
      'KRBN',
    ]);
    expect(symbols(instrumentPage(ALL, { sort: instrumentSortOf('reference', 'asc') }))).toEqual([
      'CEA',
      'EUA',
      'KRBN',
    ]);
    // Ties (two internal) keep the symbol order.
    expect(symbols(instrumentPage(ALL, { sort: instrumentSortOf('venue', 'asc') }))).toEqual([
      'CEA',
      'EUA',
      'KRBN',
    ]);
    expect(() => instrumentSortOf('tick_size', null)).toThrow(UnknownSortError);
    expect(() => instrumentSortOf('symbol', 'up')).toThrow(UnknownSortError);
  });

  it('finds by symbol or name, filters by status, and pages with a cursor of its own sort', () => {
    expect(symbols(instrumentPage(ALL, { text: 'allowance' }))).toEqual(['CEA', 'EUA']);
    expect(symbols(instrumentPage(ALL, { text: 'krb' }))).toEqual(['KRBN']);
    expect(symbols(instrumentPage(ALL, { status: 'HALTED' }))).toEqual(['CEA']);
    const sort = instrumentSortOf('symbol', 'desc');
    const first = instrumentPage(ALL, { sort, limit: 2 });
    expect(symbols(first)).toEqual(['KRBN', 'EUA']);
    const second = instrumentPage(ALL, { sort, limit: 2, cursor: first.nextCursor! });
    expect(symbols(second)).toEqual(['CEA']);
    expect(second.nextCursor).toBeNull();
    expect(() =>
      instrumentPage(ALL, { sort: instrumentSortOf('name', 'asc'), cursor: first.nextCursor! }),
    ).toThrow(InvalidCursorError);
  });
});
