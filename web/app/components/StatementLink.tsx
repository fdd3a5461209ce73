// "Statement" beside a client on the back office pages, for the roles that may read it (the same
// rule as GET /ops/clients/:id/statement): the signed-in user comes from the /ops layout's loader.
import { Link, useRouteLoaderData } from '@remix-run/react';
import { canReadClientStatements } from '../../../domain/client-statement.js';
import { isRole } from '../../../domain/roles.js';

/** The path of a client's statement page for staff. */
export function clientStatementPath(clientId: string): string {
  return `/ops/clients/${encodeURIComponent(clientId)}/statement`;
}

export function StatementLink({ clientId }: { clientId: string }) {
  const role = useRouteLoaderData<{ user?: { role?: unknown } }>('routes/ops')?.user?.role;
  if (!isRole(role) || !canReadClientStatements(role)) return null;
  return (
    <>
      {' · '}
      <Link to={clientStatementPath(clientId)}>Statement</Link>
    </>
  );
}
