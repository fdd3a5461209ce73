import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { Shell } from '../components/Shell.js';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';

export function loader({ context, request }: LoaderFunctionArgs) {
  return { user: requireUser(context, request, AUDIT_READER_ROLES) };
}

export default function AuditArea() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <Shell user={user}>
      <Outlet />
    </Shell>
  );
}
