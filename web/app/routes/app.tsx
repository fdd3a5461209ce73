import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { Shell } from '../components/Shell.js';
import { requireUser } from '../session.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return { user, unread: await context.services.notifications.unread(user) };
}

export default function ClientArea() {
  const { user, unread } = useLoaderData<typeof loader>();
  return (
    <Shell user={user} unread={unread}>
      <Outlet />
    </Shell>
  );
}
