// What a person wants to hear about (notification_preference: per event type, in-app and email)
// and how amounts are written for them (notification_profile.locale).
import type pg from 'pg';
import {
  DEFAULT_LOCALE,
  defaultPreference,
  isLocale,
  type Locale,
  type Preference,
} from '../../domain/notifications.js';

type Db = pg.Pool | pg.PoolClient;

export interface Preferences {
  locale: Locale;
  /** Only the types the person chose; any other type has defaultPreference. */
  types: Record<string, Preference>;
}

export async function getPreferences(db: Db, userId: string): Promise<Preferences> {
  const [rows, profile] = await Promise.all([
    db.query<{ event_type: string; in_app: boolean; email: boolean }>(
      `SELECT event_type, in_app, email FROM notification_preference WHERE user_id = $1 ORDER BY event_type`,
      [userId],
    ),
    db.query<{ locale: string }>(`SELECT locale FROM notification_profile WHERE user_id = $1`, [userId]),
  ]);
  const types: Record<string, Preference> = {};
  for (const row of rows.rows) types[row.event_type] = { inApp: row.in_app, email: row.email };
  const locale = profile.rows[0]?.locale;
  return { locale: isLocale(locale) ? locale : DEFAULT_LOCALE, types };
}

/** The preference that applies to `type`: the stored one, else the default. */
export function preferenceFor(preferences: Preferences, type: string): Preference {
  return preferences.types[type] ?? defaultPreference(type);
}

/** Stores the given types (others are left as they are) and the locale, in one transaction. */
export async function putPreferences(
  client: pg.PoolClient,
  userId: string,
  update: { locale?: Locale; types: Record<string, Preference> },
): Promise<void> {
  for (const [type, preference] of Object.entries(update.types)) {
    await client.query(
      `INSERT INTO notification_preference (user_id, event_type, in_app, email) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, event_type) DO UPDATE SET in_app = EXCLUDED.in_app, email = EXCLUDED.email, updated_at = now()`,
      [userId, type, preference.inApp, preference.email],
    );
  }
  if (update.locale) {
    await client.query(
      `INSERT INTO notification_profile (user_id, locale) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET locale = EXCLUDED.locale, updated_at = now()`,
      [userId, update.locale],
    );
  }
}
