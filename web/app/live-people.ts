import { useEffect } from 'react';
import { useRevalidator } from '@remix-run/react';
import type { People } from './components/Person.js';

/**
 * A live page names people from what its loader looked up; a live update may bring someone new
 * (the approver of a moment ago). Then the loader runs once more, so they are named, not "unknown
 * user". An id the loader cannot name either (a removed user) asks only once.
 */
export function useNamesFor(people: People, ids: readonly (string | null | undefined)[]): void {
  const revalidator = useRevalidator();
  const missing = ids.some((id) => id && !people[id]);
  useEffect(() => {
    if (missing && revalidator.state === 'idle') revalidator.revalidate();
    // Only a change from "all named" to "someone missing" asks again.
  }, [missing]);
}
