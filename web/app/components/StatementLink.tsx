// "Statement" beside a client on the back office pages (detail pages and every list row that names a
// client), for the roles that may read it (the same rule as GET /ops/clients/:id/statement): the
// signed-in user comes from the /ops layout's loader.
import { Link, useRouteLoaderData } from '@remix-run/react';
import { canReadClientStatements } from '../../../domain/client-statement.js';
import { isRole } from '../../../domain/roles.js';
import { type People } from './Person.js';

/** The path of a client's statement page for staff. */
export function clientStatementPath(clientId: string): string {
  return `/ops/clients/${encodeURIComponent(clientId)}/statement`;
}

/**
 * With `people` (a list, where every row has its own "Statement"), the link's name says whose, for
 * screen readers that list a page's links out of their rows.
 */
export function StatementLink({ clientId, people }: { clientId: string; people?: People }) {
  const role = useRouteLoaderData<{ user?: { role?: unknown } }>('routes/ops')?.user?.role;
  if (!isRole(role) || !canReadClientStatements(role)) return null;
  const person = people?.[clientId];
  return (
    <>
      {' · '}
      <Link to={clientStatementPath(clientId)} data-statement-of={clientId}>
        Statement
        {person ? <span className="visually-hidden"> of {person.displayName || person.email}</span> : null}
      </Link>
    </>
  );
}
