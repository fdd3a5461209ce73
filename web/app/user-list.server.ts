// One read of the administrators' user list for its page and its CSV: search, role, status and
// sort from the URL; an unknown column, role or status answers 400 with the reason.
import type { WebServices, WebUser } from '../../api/pages/load-context.js';
import { searchText } from './list-query.server.js';
import { readList, sortFromUrl } from './staff-list.server.js';

export function userListRequest(request: Request, admin: WebServices['admin'], user: WebUser) {
  const lists = admin.userLists;
  const params = new URL(request.url).searchParams;
  const sort = sortFromUrl(request, lists.sortOf);
  const read = (cursor: string | undefined, limit: number) =>
    readList(() =>
      lists.page(user, {
        search: searchText(request),
        role: params.get('role') || undefined,
        status: params.get('status') || undefined,
        sort,
        cursor,
        limit,
      }),
    );
  return { sort, read, cursor: params.get('cursor') || undefined };
}
