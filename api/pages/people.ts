// People by id for the pages, so timelines, tasks and approvals name a person instead of a UUID.
import { userLabels } from '../../db/users/admin.js';
import { isUuid } from '../../domain/ids.js';
import type { AppDeps } from '../deps.js';

/** The most ids one lookup takes (a CSV of every row looks people up in batches of this many). */
export const PEOPLE_LOOKUP_MAX_IDS = 500;

/** Display name and email per id (unknown ids are left out); a plain object, so loaders can return it. */
export async function peopleByIds(
  deps: AppDeps,
  ids: readonly (string | null | undefined)[],
): Promise<Record<string, { email: string; displayName: string }>> {
  const uuids = [...new Set(ids.filter(isUuid))];
  if (uuids.length > PEOPLE_LOOKUP_MAX_IDS)
    throw new Error(`people lookup of ${uuids.length} ids exceeds ${PEOPLE_LOOKUP_MAX_IDS}`);
  return Object.fromEntries(await userLabels(deps.pool, uuids));
}
