import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { Shell } from '../components/Shell.js';
import { requireUser } from '../session.server.js';

export function loader({ context, request }: LoaderFunctionArgs) {
  return { user: requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']) };
}

export default function BackofficeArea() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <Shell user={user}>
      <Outlet />
    </Shell>
  );
}
