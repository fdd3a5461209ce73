// In-app notifications (table notification): written by the event consumer, at most one per
// (event, user); read and marked read by their owner. NOTIFY on `notification` with the user id
// tells the server's SSE streams (the bell) at COMMIT.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

/** The NOTIFY channel of new and read notifications; the payload is the user id. */
export const NOTIFICATION_CHANNEL = 'notification';
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

interface NotificationRow {
  id: string;
  event_id: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date;
  read_at: Date | null;
}

const toNotification = (row: NotificationRow): Notification => ({
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

/** false when this (event, user) already has its notification: a re-run job adds nothing. */
export async function insertNotification(db: Db, notification: NewNotification): Promise<boolean> {
  const inserted = await db.query(
    `WITH added AS (
       INSERT INTO notification (event_id, user_id, type, title, body, link) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id, user_id) DO NOTHING RETURNING user_id
     )
     SELECT pg_notify($7, user_id::text) FROM added`,
    [
      notification.eventId,
      notification.userId,
      notification.type,
      notification.title,
      notification.body,
      notification.link,
      NOTIFICATION_CHANNEL,
    ],
  );
  return inserted.rowCount === 1;
}

export async function listNotifications(
  db: Db,
  userId: string,
  limit: number,
): Promise<{ items: Notification[]; unread: number }> {
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= NOTIFICATION_PAGE_MAX))
    throw new Error('bad limit');
  const [rows, unread] = await Promise.all([
    db.query<NotificationRow>(
      `SELECT id, event_id, type, title, body, link, created_at, read_at FROM notification
        WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [userId, limit],
    ),
    unreadCount(db, userId),
  ]);
  return { items: rows.rows.map(toNotification), unread };
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
