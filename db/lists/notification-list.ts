// A person's own notifications sorted by a column they pick (when, type, title, read), searched in
// their text (title and body), filtered by read state, keyset-paged along that order. Always one
// user's: the user id is a condition of every query, never a filter the URL may drop. The notification
// centre's newest-first page stays db/notifications/in-app.ts listNotifications. Read-only.
import type pg from 'pg';
import { toNotification, type Notification, type NotificationRow } from '../notifications/in-app.js';
import {
  instantKey,
  likePattern,
  parseSort,
  selectSortedPage,
  textKey,
  type Sort,
  type SortSpec,
} from './sorting.js';

export const NOTIFICATION_READ_STATES = ['unread', 'read'] as const;
export type NotificationReadState = (typeof NOTIFICATION_READ_STATES)[number];

/** The whitelist of the notification list's sortable columns. */
export const NOTIFICATION_SORT = {
  list: 'notifications',
  columns: {
    created: { sql: 'n.created_at', type: 'timestamptz' },
    type: textKey('n.type'),
    title: textKey('lower(n.title)'),
    // Unread ones (no read time) sort as the oldest read.
    read: instantKey('n.read_at'),
  },
  tieBreak: 'n.id::text',
  default: { column: 'created', dir: 'desc' },
} as const satisfies SortSpec;

export function notificationSortOf(column?: string | null, dir?: string | null): Sort {
  return parseSort(NOTIFICATION_SORT as SortSpec, column, dir);
}

export interface FindNotificationsInput {
  /** Part of the title or body, case-insensitive. */
  text?: string | null;
  read?: NotificationReadState | null;
  sort?: Sort;
  cursor?: string | null;
  limit?: number;
}

/** A page of the user's notifications in the order `sort` names (ties by id). Throws InvalidCursorError. */
export async function findNotifications(
  db: pg.Pool,
  userId: string,
  input: FindNotificationsInput,
): Promise<{ items: Notification[]; nextCursor: string | null }> {
  const page = await selectSortedPage<NotificationRow>(db, NOTIFICATION_SORT as SortSpec, input, {
    select: 'n.id, n.event_id, n.type, n.title, n.body, n.link, n.created_at, n.read_at',
    from: 'notification n',
    conditions: (param) => {
      // Always the user's own: someone else's notifications never show.
      const conditions = [`n.user_id = ${param(userId)}::uuid`];
      const text = input.text?.trim().slice(0, 200);
      if (text) {
        const pattern = param(likePattern(text));
        conditions.push(`(n.title ILIKE ${pattern} OR n.body ILIKE ${pattern})`);
      }
      if (input.read === 'unread') conditions.push('n.read_at IS NULL');
      if (input.read === 'read') conditions.push('n.read_at IS NOT NULL');
      return conditions;
    },
  });
  return { items: page.rows.map(toNotification), nextCursor: page.nextCursor };
}
