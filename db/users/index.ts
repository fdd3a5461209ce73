// People who sign in (table app_user, migration ..._auth): the two reads sign-in, sign-out and GET /me
// need. Their sessions: refresh-tokens.ts, sessions.ts (the per-request check), login-failures.ts.
// Plain `pg` like every other table; MikroORM is only the migrator (docs/data-access.md).
import type pg from 'pg';
import type { Role } from '../../domain/roles.js';

type Db = pg.Pool | pg.PoolClient;

/** A person who signs in: a client or a member of staff. */
export interface User {
  id: string;
  /** Always stored trimmed and lower-case (a CHECK enforces it). */
  email: string;
  /** scrypt, self-describing (see db/users/passwords.ts). Never serialised. */
  passwordHash: string;
  /** One of ROLES (a CHECK enforces it); sign-in still asks isRole before trusting it. */
  role: Role;
  displayName: string;
  disabled: boolean;
  /** NOT_STARTED until the KYC lifecycle projects its status here. */
  kycStatus: string;
  createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  display_name: string;
  disabled: boolean;
  kyc_status: string;
  created_at: Date;
}

const COLUMNS = 'id, email, password_hash, role, display_name, disabled, kyc_status, created_at';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    displayName: row.display_name,
    disabled: row.disabled,
    kycStatus: row.kyc_status,
    createdAt: row.created_at,
  };
}

/** The user with this email (give it normalised: trimmed, lower-case), or null. */
export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM app_user WHERE email = $1`, [email]);
  return rows[0] ? toUser(rows[0]) : null;
}

/** The user with this id (a UUID), or null. */
export async function getUser(db: Db, id: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM app_user WHERE id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
  displayName: string;
  disabled?: boolean;
}

/**
 * Adds a user and answers its id, or null when the email is taken already (the seed runs again;
 * tests and the chaos run make unique emails). The one way a user row is written.
 */
export async function insertUser(db: Db, user: NewUser): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name, disabled)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id`,
    [user.email, user.passwordHash, user.role, user.displayName, user.disabled ?? false],
  );
  return rows[0]?.id ?? null;
}
