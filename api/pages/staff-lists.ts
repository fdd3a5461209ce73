// The parts of a staff list page beyond the API's newest-first page: counts per status, search, and
// a page in the order the viewer picked. Each found id is read through the lifecycle's own service
// (`get`), so visibility rules apply as on every other read and a hit the user may not see is left
// out.
import {
  findLifecycles,
  lifecycleSortOf,
  MAX_SEARCH_RESULTS,
  statusCounts,
} from '../../db/lists/lifecycle-lists.js';
import type { Sort } from '../../db/lists/sorting.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { WebUser } from './load-context.js';

export interface StaffListQuery {
  text?: string;
  status?: string;
  clientId?: string;
  /** Attributes that must equal these texts (the order blotter's symbol and side). */
  attributes?: Readonly<Record<string, string>>;
  sort?: Sort;
  cursor?: string;
  limit?: number;
}

export function staffListServices<V>(
  deps: AppDeps,
  type: string,
  get: (user: WebUser, id: string) => Promise<V>,
) {
  async function visible(user: WebUser, ids: readonly string[]): Promise<V[]> {
    const found = await Promise.all(
      ids.map((id) =>
        get(user, id).catch((error: unknown) => {
          if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return null;
          throw error;
        }),
      ),
    );
    return found.filter((item): item is Awaited<V> => item !== null) as V[];
  }
  return {
    counts: () => statusCounts(deps.pool, type),
    /** The sort `?sort=&dir=` ask for on this list (UnknownSortError otherwise). */
    sortOf: (column?: string | null, dir?: string | null) => lifecycleSortOf(type, column, dir),
    /** A page found and ordered by the query (db/lists findLifecycles), read as the viewer may. */
    page: async (
      user: WebUser,
      query: StaffListQuery,
    ): Promise<{ items: V[]; nextCursor: string | null }> => {
      const page = await findLifecycles(deps.pool, { type, ...query, ownerId: query.clientId });
      return {
        items: await visible(
          user,
          page.items.map((item) => item.businessId),
        ),
        nextCursor: page.nextCursor,
      };
    },
    search: async (user: WebUser, text: string, status?: string): Promise<V[]> => {
      const page = await findLifecycles(deps.pool, { type, text, status, limit: MAX_SEARCH_RESULTS });
      return visible(
        user,
        page.items.map((item) => item.businessId),
      );
    },
  };
}
