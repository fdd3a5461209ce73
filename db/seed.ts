import { ASSET_CODES } from '../domain/money.js';
import { ensureClientAccounts, ensureSystemAccounts } from './ledger/index.js';
import type pg from 'pg';
import type { Role } from '../domain/roles.js';
import { insertUser } from './users/index.js';
import { hashPassword } from './users/passwords.js';
import { config } from './config.js';
import { createPool } from './pool.js';

// Demo data for local runs and demos. Idempotent: running it again changes nothing.
// (Password hashing comes from db/users/passwords.ts, pure node:crypto, so seeds and sign-in agree.)

export const DEMO_PASSWORD = 'demo-password';

export const DEMO_USERS: readonly { email: string; role: Role; displayName: string }[] = [
  { email: 'client@example.com', role: 'client', displayName: 'Clara Client' },
  { email: 'client2@example.com', role: 'client', displayName: 'Chris Client' },
  { email: 'ops@example.com', role: 'operations', displayName: 'Olga Operations' },
  { email: 'ops2@example.com', role: 'operations', displayName: 'Oscar Operations' },
  { email: 'aml@example.com', role: 'aml_officer', displayName: 'Amelia AML' },
  { email: 'auditor@example.com', role: 'auditor', displayName: 'Aldo Auditor' },
  { email: 'admin@example.com', role: 'admin', displayName: 'Ada Admin' },
];

/** Creates the demo users that do not exist yet (existing ones keep their password and role). Returns the emails created. */
export async function seedDemoUsers(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ email: string }>('SELECT email FROM app_user WHERE email = ANY($1)', [
    DEMO_USERS.map((u) => u.email),
  ]);
  const existing = new Set(rows.map((r) => r.email));
  const created: string[] = [];
  for (const user of DEMO_USERS.filter((u) => !existing.has(u.email))) {
    const id = await insertUser(pool, {
      email: user.email,
      passwordHash: await hashPassword(DEMO_PASSWORD),
      role: user.role,
      displayName: user.displayName,
    });
    if (id) created.push(user.email);
  }
  return created;
}

/** Every piece of demo data. Other features add their seeds here, after the users. */
/** Demo users plus the chart of accounts: system accounts and every demo client's accounts per asset. */
export async function seedDemoData(pool: pg.Pool): Promise<void> {
  await seedDemoUsers(pool);
  await ensureSystemAccounts(pool);
  const clients = await pool.query<{ id: string }>(
    `SELECT id FROM app_user WHERE role = 'client' AND email = ANY($1)`,
    [DEMO_USERS.filter((u) => u.role === 'client').map((u) => u.email)],
  );
  for (const { id } of clients.rows) {
    for (const asset of ASSET_CODES) await ensureClientAccounts(pool, id, asset);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pool = createPool(config.databaseUrl, 2);
  try {
    await seedDemoData(pool);
    console.log(`Demo users (password "${DEMO_PASSWORD}"):`);
    for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(22)} ${user.role}`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}
