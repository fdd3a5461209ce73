// One read of the task inbox for its page and its CSV: kind, assignee, search text and sort from the
// URL. Without a sort or a search it is the API's own inbox order (most urgent first: priority, due
// date, age); with either it is db/lists' page in that order. A column the inbox cannot sort by or a
// cursor of another order answers 400 with the reason.
import type { WebServices } from '../../api/pages/load-context.js';
import type { WebUser } from '../../api/pages/load-context.js';
import { searchText } from './list-query.server.js';
import { readList, sortFromUrl } from './staff-list.server.js';

export function inboxRequest(request: Request, tasks: WebServices['tasks'], user: WebUser) {
  const params = new URL(request.url).searchParams;
  const kind = params.get('kind') || undefined;
  const assignee = params.get('assignee') === 'me' ? ('me' as const) : undefined;
  const text = searchText(request);
  const sort = sortFromUrl(request, tasks.lists.sortOf);
  const sorted = params.has('sort');
  const read = (cursor: string | undefined, limit: number) =>
    readList(() =>
      sorted || text !== undefined
        ? tasks.lists.page(user, { kind, assignee, text, sort, cursor, limit })
        : tasks.list(user, { kind, assignee, cursor, limit }),
    );
  // Unsorted, no header is the active one: the inbox order is several keys.
  return { read, sort: sorted ? sort : null, cursor: params.get('cursor') || undefined };
}
