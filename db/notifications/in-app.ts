// In-app notifications (table notification): written by the event consumer, at most one per
// (event, user); read and marked read by their owner. NOTIFY on `notification` with the user id
// tells the server's SSE streams (the bell) at COMMIT.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import { InvalidCursorError, decodeCursor, encodeCursor } from '../lifecycle/cursor.js';

type Db = pg.Pool | pg.PoolClient;

/** The NOTIFY channel of new and read notifications; the payload is the user id. */
export const NOTIFICATION_CHANNEL = 'notification';
const CURSOR_KIND = 'notification';
/** A list answers this many at most. */
export const NOTIFICATION_PAGE_MAX = 100;

export interface Notification {
  id: string;
  eventId: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationRow {
  id: string;
  event_id: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date;
  read_at: Date | null;
}

/** A row as the API shows it (also the sorted list's, db/lists/notification-list.ts). */
export const toNotification = (row: NotificationRow): Notification => ({
  id: row.id,
  eventId: row.event_id,
  type: row.type,
  title: row.title,
  body: row.body,
  link: row.link,
  createdAt: row.created_at.toISOString(),
  readAt: row.read_at?.toISOString() ?? null,
});

export interface NewNotification {
  eventId: string;
  userId: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
}

/**
 * Inserts a batch (one statement, on the fan-out's transaction); the (event, user) pairs that had
 * theirs already are skipped. Answers how many were added; each added user is NOTIFYed at COMMIT.
 */
export async function insertNotifications(
  db: Db,
  notifications: readonly NewNotification[],
): Promise<number> {
  if (notifications.length === 0) return 0;
  if (notifications.length > 1000) throw new Error('at most 1000 notifications per statement');
  const column = <K extends keyof NewNotification>(key: K) => notifications.map((n) => n[key]);
  const inserted = await db.query(
    `WITH added AS (
       INSERT INTO notification (event_id, user_id, type, title, body, link)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT (event_id, user_id) DO NOTHING RETURNING user_id
     )
     SELECT pg_notify($7, user_id::text) FROM added`,
    [
      column('eventId'),
      column('userId'),
      column('type'),
      column('title'),
      column('body'),
      column('link'),
      NOTIFICATION_CHANNEL,
    ],
  );
  return inserted.rowCount ?? 0;
}

/**
 * One page of the user's notifications, newest first, after `cursor` (a notification id of theirs,
 * opaque to callers; decodeCursor refuses a foreign one), with the unread count.
 */
export async function listNotifications(
  db: Db,
  userId: string,
  limit: number,
  cursor: string | null = null,
): Promise<{ items: Notification[]; unread: number; nextCursor: string | null }> {
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= NOTIFICATION_PAGE_MAX))
    throw new Error('bad limit');
  const afterId = cursor ? decodeCursor(CURSOR_KIND, cursor, ['s'])[0] : null;
  if (afterId !== null && !isUuid(afterId)) throw new InvalidCursorError(String(cursor));
  const [rows, unread] = await Promise.all([
    // The keyset is read from the row itself (microseconds, not a rounded ISO string). One more row
    // than asked tells whether there is a next page.
    db.query<NotificationRow>(
      `SELECT id, event_id, type, title, body, link, created_at, read_at FROM notification
        WHERE user_id = $1
          AND ($3::uuid IS NULL OR (created_at, id) <
               (SELECT created_at, id FROM notification WHERE id = $3::uuid AND user_id = $1))
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [userId, limit + 1, afterId],
    ),
    unreadCount(db, userId),
  ]);
  const items = rows.rows.slice(0, limit).map(toNotification);
  const last = items.at(-1);
  const nextCursor = rows.rows.length > limit && last ? encodeCursor(CURSOR_KIND, [last.id]) : null;
  return { items, unread, nextCursor };
}

export async function unreadCount(db: Db, userId: string): Promise<number> {
  const rows = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM notification WHERE user_id = $1 AND read_at IS NULL`,
    [userId],
  );
  return Number(rows.rows[0]?.n ?? 0);
}

/** Marks the owner's notification read; null when there is none of theirs with that id. */
export async function markNotificationRead(db: Db, userId: string, id: string): Promise<Notification | null> {
  const rows = await db.query<NotificationRow>(
    `WITH marked AS (
       UPDATE notification SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND user_id = $2
       RETURNING id, event_id, type, title, body, link, created_at, read_at
     ), told AS (SELECT pg_notify($3, $2::text) FROM marked)
     SELECT marked.* FROM marked LEFT JOIN told ON true`,
    [id, userId, NOTIFICATION_CHANNEL],
  );
  return rows.rows[0] ? toNotification(rows.rows[0]) : null;
}

/** Marks every unread notification of the user read; answers how many. */
export async function markAllNotificationsRead(db: Db, userId: string): Promise<number> {
  const rows = await db.query(
    `WITH marked AS (
       UPDATE notification SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id
     )
     SELECT (SELECT count(*) FROM marked) AS n, pg_notify($2, $1::text)`,
    [userId, NOTIFICATION_CHANNEL],
  );
  return Number(rows.rows[0]?.n ?? 0);
}
