// Every version of every policy (table policy_version, append-only). The current version of a policy
// is its highest; a policy without rows has never been edited and runs on its first defaults (the
// environment's value, api/services/policy-from-env.ts), which count as version 1.
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface PolicyVersionRow {
  name: string;
  version: number;
  document: Record<string, unknown>;
  reason: string;
  createdBy: string | null;
  approvedBy: string | null;
  createdAt: Date;
}

interface Row {
  name: string;
  version: number;
  document: Record<string, unknown>;
  reason: string;
  created_by: string | null;
  approved_by: string | null;
  created_at: Date;
}

const COLUMNS = 'name, version, document, reason, created_by, approved_by, created_at';

function toRow(row: Row): PolicyVersionRow {
  return {
    name: row.name,
    version: row.version,
    document: row.document,
    reason: row.reason,
    createdBy: row.created_by,
    approvedBy: row.approved_by,
    createdAt: row.created_at,
  };
}

/** The current (highest) version of every policy that has one. */
export async function currentPolicyVersions(db: Db): Promise<PolicyVersionRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT DISTINCT ON (name) ${COLUMNS} FROM policy_version ORDER BY name, version DESC`,
  );
  return rows.map(toRow);
}

/** The versions of one policy, newest first (at most `limit`). */
export async function policyHistory(db: Db, name: string, limit: number): Promise<PolicyVersionRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM policy_version WHERE name = $1 ORDER BY version DESC LIMIT $2`,
    [name, limit],
  );
  return rows.map(toRow);
}

/**
 * Takes the per-policy lock for the rest of the caller's transaction and answers the current
 * version number (0 when the policy has no rows): two saves of one policy queue, never interleave.
 */
export async function lockPolicy(client: pg.PoolClient, name: string): Promise<number> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('policy:' || $1))`, [name]);
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM policy_version WHERE name = $1',
    [name],
  );
  return rows[0]?.version ?? 0;
}

/** Appends a version (call under lockPolicy, with version = current + 1). */
export async function insertPolicyVersion(
  client: pg.PoolClient,
  row: {
    name: string;
    version: number;
    document: unknown;
    reason: string;
    createdBy: string | null;
    approvedBy: string | null;
  },
): Promise<PolicyVersionRow> {
  const { rows } = await client.query<Row>(
    `INSERT INTO policy_version (name, version, document, reason, created_by, approved_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [row.name, row.version, JSON.stringify(row.document), row.reason, row.createdBy, row.approvedBy],
  );
  const inserted = rows[0];
  if (!inserted) throw new Error('policy_version insert returned no row');
  return toRow(inserted);
}
