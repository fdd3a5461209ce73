// The parts of a staff list page beyond its page of records: counts per status and search. Each
// found id is read through the lifecycle's own service (`get`), so visibility rules apply as on
// every other read and a hit the user may not see is left out.
import { MAX_SEARCH_RESULTS, searchLifecycles, statusCounts } from '../../db/lists/lifecycle-lists.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { WebUser } from './load-context.js';

export function staffListServices<V>(
  deps: AppDeps,
  type: string,
  get: (user: WebUser, id: string) => Promise<V>,
) {
  return {
    counts: () => statusCounts(deps.pool, type),
    search: async (user: WebUser, text: string, status?: string): Promise<V[]> => {
      const ids = await searchLifecycles(deps.pool, { type, text, status, limit: MAX_SEARCH_RESULTS });
      const found = await Promise.all(
        ids.map((id) =>
          get(user, id).catch((error: unknown) => {
            if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return null;
            throw error;
          }),
        ),
      );
      return found.filter((item): item is Awaited<V> => item !== null) as V[];
    },
  };
}
