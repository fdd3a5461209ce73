// One read for a staff list that is not a lifecycle's (market makers, API keys, instruments,
// notifications), for its page and its CSV: status, client filter, search text and sort from the
// URL, every order db/lists' page (one path, one cursor kind). An unknown column or direction, or a
// cursor another list issued, answers 400 with the reason (staff-list.server.ts).
import type { Sort } from '../../db/lists/sorting.js';
import { allPages } from './csv.server.js';
import { listQuery, searchText } from './list-query.server.js';
import { readList, sortFromUrl } from './staff-list.server.js';

export interface SortedListQuery {
  status?: string;
  clientId?: string;
  text?: string;
  sort: Sort;
  cursor?: string;
  limit: number;
}

/** What the URL asks of the list, and a read of one of its pages. */
export function sortedListRequest<P>(
  request: Request,
  sortOf: (column?: string | null, dir?: string | null) => Sort,
  page: (query: SortedListQuery) => Promise<P>,
) {
  const { status, clientId, cursor, limit } = listQuery(request);
  const query: SortedListQuery = {
    status,
    clientId,
    text: searchText(request),
    sort: sortFromUrl(request, sortOf),
    cursor,
    limit,
  };
  return {
    query,
    searching: query.text !== undefined,
    read: (cursor: string | undefined, pageLimit: number) =>
      readList(() => page({ ...query, cursor, limit: pageLimit })),
  };
}

/** Every row of the list the URL describes (its CSV), in the page's order, 200 a page. */
export async function sortedListRows<T>(
  request: Request,
  sortOf: (column?: string | null, dir?: string | null) => Sort,
  page: (query: SortedListQuery) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const { read } = sortedListRequest(request, sortOf, page);
  return (await allPages((cursor) => read(cursor, 200))).items;
}
