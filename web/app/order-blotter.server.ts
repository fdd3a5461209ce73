// One read of the order blotter for its page and its CSV: every filter and the sort from the URL
// (bookmarkable, kept by the next-page link). Without a sort it is the API's newest first; a column
// the blotter cannot sort by or a cursor of another order answers 400 with the reason.
import type { WebServices, WebUser } from '../../api/pages/load-context.js';
import { readList, sortFromUrl } from './staff-list.server.js';

export function blotterRequest(request: Request, trading: WebServices['trading'], user: WebUser) {
  const params = new URL(request.url).searchParams;
  const sort = sortFromUrl(request, trading.blotterSortOf);
  const query = {
    status: params.get('status') || undefined,
    symbol: params.get('symbol') || undefined,
    side: params.get('side') || undefined,
    client: params.get('client')?.trim() || undefined,
    search: params.get('search')?.trim() || undefined,
  };
  const read = (cursor: string | undefined, limit: number) =>
    readList(() =>
      trading.blotter(user, { ...query, sort: params.has('sort') ? sort : undefined, cursor, limit }),
    );
  return { query, sort, read, cursor: params.get('cursor') || undefined };
}
