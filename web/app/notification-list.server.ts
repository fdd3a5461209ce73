// The staff notification list's read for its page and its CSV: what the URL asks
// (sorted-list.server.ts), with `?status=` the read state (unread, read; anything else a 400 page).
import type { WebServices, WebUser } from '../../api/pages/load-context.js';
import { NOTIFICATION_READ_STATES, type NotificationReadState } from '../../db/lists/notification-list.js';
import { sortedListRequest } from './sorted-list.server.js';
import { badListRequest } from './staff-list.server.js';

export function notificationListRequest(
  request: Request,
  services: WebServices['notifications'],
  user: WebUser,
) {
  return sortedListRequest(request, services.sortOf, ({ status, text, sort, cursor, limit }) => {
    if (status !== undefined && !isReadState(status))
      throw badListRequest(`status is one of ${NOTIFICATION_READ_STATES.join(', ')}`);
    return services.find(user, { text, read: status ?? null, sort, cursor, limit });
  });
}

function isReadState(status: string): status is NotificationReadState {
  return (NOTIFICATION_READ_STATES as readonly string[]).includes(status);
}
