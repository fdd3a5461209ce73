import { ASSET_CODES, parseAmount, type AssetCode } from '../domain/money.js';
import { registryTransferIn } from '../domain/postings.js';
import { ensureClientAccounts, ensureSystemAccounts, postEntry } from './ledger/index.js';
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

/**
 * What every demo client holds after seeding: certificates moved in from the registry, no cash (a
 * client funds EUR through a deposit, as a real one would). Amounts are decimal strings, as at the edge.
 */
export const DEMO_CERTIFICATES: readonly { asset: AssetCode; quantity: string }[] = [
  { asset: 'EUA', quantity: '10000' },
  { asset: 'CEA', quantity: '10000' },
];

/** The ids of the demo clients that exist (role client, one of DEMO_USERS), with their email. */
async function demoClients(pool: pg.Pool): Promise<{ id: string; email: string }[]> {
  const { rows } = await pool.query<{ id: string; email: string }>(
    `SELECT id, email FROM app_user WHERE role = 'client' AND email = ANY($1) ORDER BY email`,
    [DEMO_USERS.filter((u) => u.role === 'client').map((u) => u.email)],
  );
  return rows;
}

/**
 * One ledger entry per demo client and certificate, through the registryTransferIn recipe. The
 * idempotency key (and the transfer reference, part of the payload) depend only on the client and
 * the asset, so seeding again replays the first entry instead of crediting the certificates twice.
 */
export async function seedDemoCertificates(pool: pg.Pool): Promise<void> {
  for (const client of await demoClients(pool)) {
    for (const { asset, quantity } of DEMO_CERTIFICATES) {
      const reference = `demo-seed-${asset}-${client.id}`;
      await postEntry(pool, {
        idempotencyKey: `seed/registry-transfer-in/${client.id}/${asset}`,
        ...registryTransferIn(client.id, asset, parseAmount(asset, quantity), reference),
      });
    }
  }
}

/**
 * Every piece of demo data: users, the chart of accounts (system accounts and every demo client's
 * accounts per asset), the demo clients' certificates. Other features add their seeds here.
 *
 * KYC is not written here: app_user.kyc_status is the KYC workflow's projection (activities/kyc.ts)
 * and this runs before any worker does. `npm start` passes the demo clients' KYC once the server is
 * up, through the API and the workflow (scripts/demo-kyc.ts); `npm run db:seed` alone leaves it
 * NOT_STARTED.
 */
export async function seedDemoData(pool: pg.Pool): Promise<void> {
  await seedDemoUsers(pool);
  await ensureSystemAccounts(pool);
  for (const { id } of await demoClients(pool)) {
    for (const asset of ASSET_CODES) await ensureClientAccounts(pool, id, asset);
  }
  await seedDemoCertificates(pool);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pool = createPool(config.databaseUrl, 2);
  try {
    await seedDemoData(pool);
    console.log(`Demo users (password "${DEMO_PASSWORD}"):`);
    for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(22)} ${user.role}`);
    const holdings = DEMO_CERTIFICATES.map((c) => `${c.quantity} ${c.asset}`).join(' and ');
    console.log(`Demo clients hold ${holdings} each, no cash; KYC not started (npm start approves it).`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}
