// The parts of a staff list page beyond the API's newest-first page: counts per status, search, and
// a page in the order the viewer picked. The found ids are read through the lifecycle's own service
// as a set (`getMany`: the read model of the whole page in a few queries, not a round per row), so
// visibility rules apply as on every other read and a hit the user may not see is left out.
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
  /** The views of the ids `user` may see, in their order, the others left out (the kit's getMany). */
  getMany: (user: WebUser, ids: readonly string[]) => Promise<V[]>,
) {
  async function visible(user: WebUser, ids: readonly string[]): Promise<V[]> {
    // A viewer refused the whole list (403, or 404 for every row) sees none of it, as when each
    // row was read on its own and each refusal skipped.
    return getMany(user, ids).catch((error: unknown) => {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return [];
      throw error;
    });
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
