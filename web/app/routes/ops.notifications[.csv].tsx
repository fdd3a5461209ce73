// /ops/notifications.csv: the signed-in staff member's notifications as the notification centre
// lists them, with the read state, search and sort in effect, every page of them.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { allPages, csvResponse } from '../csv.server.js';
import { notificationListRequest } from '../notification-list.server.js';
import { requireUser } from '../session.server.js';
import { NOTIFICATION_READERS } from './ops.notifications.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, NOTIFICATION_READERS);
  const { read } = notificationListRequest(request, context.services.notifications, user);
  const { items } = await allPages((cursor) => read(cursor, 200));
  return csvResponse(
    'notifications.csv',
    ['id', 'created_at', 'type', 'title', 'body', 'link', 'read_at'],
    items.map((n) => [n.id, n.createdAt, n.type, n.title, n.body, n.link ?? '', n.readAt ?? '']),
  );
}
