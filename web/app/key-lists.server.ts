// The market-maker and API-key lists' reads for their pages and CSVs: what the URL asks of each
// (sorted-list.server.ts) turned into its service's query.
import type { WebServices, WebUser } from '../../api/pages/load-context.js';
import { API_KEY_STATUSES } from '../../db/lists/api-key-list.js';
import { isUuid } from '../../domain/ids.js';
import { sortedListRequest } from './sorted-list.server.js';
import { badListRequest } from './staff-list.server.js';

/** The key list's status filters (the loader hands them to the page, which imports no db module). */
export const API_KEY_STATUS_FILTERS: readonly string[] = API_KEY_STATUSES;

/** The market-maker list the URL asks for (search, sort, cursor): the page's and its CSV's. */
export function marketMakerListRequest(
  request: Request,
  services: WebServices['marketMakers'],
  user: WebUser,
) {
  return sortedListRequest(request, services.listSortOf, (query) => services.list(user, query));
}

/**
 * The key list the URL asks for, the page's and its CSV's: search (prefix, name, owner), status, the
 * owner's id (the filter bar's client id) and sort.
 */
export function apiKeyListRequest(request: Request, services: WebServices['marketMakers'], user: WebUser) {
  const { keyList } = services;
  return sortedListRequest(request, keyList.sortOf, ({ status, clientId, ...query }) => {
    if (status !== undefined && !isApiKeyStatus(status))
      throw badListRequest(`status is one of ${API_KEY_STATUSES.join(', ')}`);
    if (clientId !== undefined && !isUuid(clientId))
      throw badListRequest('The client id is a user id (uuid).');
    return keyList.page(user, { ...query, status: status ?? null, ownerId: clientId ?? null });
  });
}

function isApiKeyStatus(status: string): status is (typeof API_KEY_STATUSES)[number] {
  return (API_KEY_STATUSES as readonly string[]).includes(status);
}
