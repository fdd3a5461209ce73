import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { Shell } from '../components/Shell.js';
import { requireUser } from '../session.server.js';

// The administration area (/admin/users for admins, /admin/policies for staff and auditors to read).
export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  return { user, unread: await context.services.notifications.unread(user) };
}

export default function AdminArea() {
  const { user, unread } = useLoaderData<typeof loader>();
  return (
    <Shell user={user} unread={unread}>
      <Outlet />
    </Shell>
  );
}
