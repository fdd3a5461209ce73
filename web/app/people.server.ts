// People by id for a whole list (a CSV of every row): one lookup takes at most
// PEOPLE_LOOKUP_MAX_IDS ids, so the distinct ids are looked up in batches of that many.
import { PEOPLE_LOOKUP_MAX_IDS } from '../../api/pages/people.js';
import type { People } from './components/Person.js';

export async function peopleOfRows(
  lookup: (ids: readonly string[]) => Promise<People>,
  ids: readonly (string | null | undefined)[],
): Promise<People> {
  const distinct = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  const people: People = {};
  for (let from = 0; from < distinct.length; from += PEOPLE_LOOKUP_MAX_IDS) {
    Object.assign(people, await lookup(distinct.slice(from, from + PEOPLE_LOOKUP_MAX_IDS)));
  }
  return people;
}
