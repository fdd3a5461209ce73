// People with a row in app_user, for scenarios whose activities write references to them (a bank
// account's verified_by, a KYC document's client and uploader, the client's kyc_status).
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Actor } from '../../../domain/lifecycle.js';
import type { Role } from '../../../domain/roles.js';

export async function insertPerson(pool: pg.Pool, role: Role): Promise<Actor> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO app_user (email, password_hash, role, display_name) VALUES ($1, 'x', $2, $3) RETURNING id`,
    [`golden-${role}-${randomUUID()}@capture.example`, role, `Golden ${role}`],
  );
  return { id: rows[0]!.id, role };
}
