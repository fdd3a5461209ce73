// Policy changes waiting for a second admin (table policy_change): a change to a money-moving field
// (domain/policies.ts MONEY_MOVING_FIELDS) is stored here PENDING and becomes a version only when
// another admin approves it. A newer pending change of the same policy supersedes the older one.
import type pg from 'pg';
import type { PolicyChangeStatus } from '../../domain/policies.js';

type Db = pg.Pool | pg.PoolClient;

export interface PolicyChangeRow {
  id: string;
  name: string;
  baseVersion: number;
  document: Record<string, unknown>;
  reason: string;
  status: PolicyChangeStatus;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  appliedVersion: number | null;
}

interface Row {
  id: string;
  name: string;
  base_version: number;
  document: Record<string, unknown>;
  reason: string;
  status: PolicyChangeStatus;
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  applied_version: number | null;
}

const COLUMNS =
  'id, name, base_version, document, reason, status, requested_by, requested_at, decided_by, decided_at, applied_version';

function toRow(row: Row): PolicyChangeRow {
  return {
    id: row.id,
    name: row.name,
    baseVersion: row.base_version,
    document: row.document,
    reason: row.reason,
    status: row.status,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    appliedVersion: row.applied_version,
  };
}

/** Files a pending change (under lockPolicy), superseding any earlier pending change of the policy. */
export async function insertPolicyChange(
  client: pg.PoolClient,
  change: { name: string; baseVersion: number; document: unknown; reason: string; requestedBy: string },
): Promise<PolicyChangeRow> {
  await client.query(
    `UPDATE policy_change SET status = 'SUPERSEDED', decided_at = now() WHERE name = $1 AND status = 'PENDING'`,
    [change.name],
  );
  const { rows } = await client.query<Row>(
    `INSERT INTO policy_change (name, base_version, document, reason, requested_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [change.name, change.baseVersion, JSON.stringify(change.document), change.reason, change.requestedBy],
  );
  const inserted = rows[0];
  if (!inserted) throw new Error('policy_change insert returned no row');
  return toRow(inserted);
}

export async function lockPolicyChange(client: pg.PoolClient, id: string): Promise<PolicyChangeRow | null> {
  const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM policy_change WHERE id = $1 FOR UPDATE`, [
    id,
  ]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function decidePolicyChange(
  client: pg.PoolClient,
  id: string,
  decision: { status: 'APPROVED' | 'REJECTED'; decidedBy: string; appliedVersion: number | null },
): Promise<PolicyChangeRow> {
  const { rows } = await client.query<Row>(
    `UPDATE policy_change SET status = $2, decided_by = $3, decided_at = now(), applied_version = $4
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, decision.status, decision.decidedBy, decision.appliedVersion],
  );
  const row = rows[0];
  if (!row) throw new Error('policy_change update returned no row');
  return toRow(row);
}

/** Pending changes, oldest first (of one policy when `name` is given). */
export async function pendingPolicyChanges(db: Db, name?: string): Promise<PolicyChangeRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM policy_change WHERE status = 'PENDING' AND ($1::text IS NULL OR name = $1)
      ORDER BY requested_at`,
    [name ?? null],
  );
  return rows.map(toRow);
}
