// Who an event is for: its owner, or the staff of a role (an overdue task). Disabled people get nothing.
import type pg from 'pg';
import {
  DEFAULT_LOCALE,
  defaultPreference,
  isLocale,
  type Locale,
  type Preference,
} from '../../domain/notifications.js';
import type { Role } from '../../domain/roles.js';

type Db = pg.Pool | pg.PoolClient;

export interface Recipient {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

/** At most this many people receive one event (a role's staff): bounded work per job. */
export const RECIPIENTS_MAX = 500;

/** A recipient with their preference for one event type (stored, else the default) and their locale. */
export interface AudienceMember extends Recipient {
  locale: Locale;
  preference: Preference;
}

/**
 * The enabled people of `who` (ids, or holders of roles) with their locale and their preference for
 * `eventType`, in one round trip: the event consumer's only read per recipient set.
 */
export async function audienceFor(
  db: Db,
  who: { ids: readonly string[] } | { roles: readonly Role[] },
  eventType: string,
): Promise<AudienceMember[]> {
  const rows = await db.query<{
    id: string;
    email: string;
    display_name: string;
    role: Role;
    locale: string | null;
    in_app: boolean | null;
    wants_email: boolean | null;
  }>(
    `SELECT u.id, u.email, u.display_name, u.role, profile.locale, chosen.in_app, chosen.email AS wants_email
       FROM app_user u
       LEFT JOIN notification_profile profile ON profile.user_id = u.id
       LEFT JOIN notification_preference chosen ON chosen.user_id = u.id AND chosen.event_type = $3
      WHERE NOT u.disabled AND ($1::uuid[] IS NULL OR u.id = ANY($1::uuid[]))
        AND ($2::text[] IS NULL OR u.role = ANY($2::text[]))
      ORDER BY u.created_at, u.id LIMIT $4`,
    ['ids' in who ? who.ids : null, 'roles' in who ? who.roles : null, eventType, RECIPIENTS_MAX],
  );
  return rows.rows.map((row) => ({
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    locale: isLocale(row.locale) ? row.locale : DEFAULT_LOCALE,
    preference:
      row.in_app === null || row.wants_email === null
        ? defaultPreference(eventType)
        : { inApp: row.in_app, email: row.wants_email },
  }));
}
