// /ops/notifications.csv: the signed-in staff member's notifications, newest first, every page of
// them, as the notification centre lists them.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { NOTIFICATION_PAGE_MAX } from '../../../db/notifications/in-app.js';
import { allPages, csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';
import { NOTIFICATION_READERS } from './ops.notifications.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, NOTIFICATION_READERS);
  const { items } = await allPages((cursor) =>
    context.services.notifications.list(
      user,
      cursor ? { limit: NOTIFICATION_PAGE_MAX, cursor } : { limit: NOTIFICATION_PAGE_MAX },
    ),
  );
  return csvResponse(
    'notifications.csv',
    ['id', 'created_at', 'type', 'title', 'body', 'link', 'read_at'],
    items.map((n) => [n.id, n.createdAt, n.type, n.title, n.body, n.link ?? '', n.readAt ?? '']),
  );
}
