import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { Shell } from '../components/Shell.js';
import { requireUser } from '../session.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['operations', 'aml_officer', 'admin', 'auditor']);
  const [unread, tasks] = await Promise.all([
    context.services.notifications.unread(user),
    context.services.dashboards.taskCounts(user),
  ]);
  return { user, unread, tasks };
}

export default function BackofficeArea() {
  const { user, unread, tasks } = useLoaderData<typeof loader>();
  return (
    <Shell user={user} unread={unread} tasks={tasks}>
      <Outlet />
    </Shell>
  );
}
