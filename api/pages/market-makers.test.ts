// Issuing a key by the owner's email on the admin page (marketMakerWebServices.issue): the owner is
// the client with exactly that email, however many other clients' emails contain it.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../db/users/index.js';
import { closePool, getPool } from '../../db/pool.js';
import type { AppDeps } from '../deps.js';
import { marketMakerWebServices } from './market-makers.js';

const pool = getPool();

afterAll(async () => {
  await closePool();
});

async function user(email: string, role: 'client' | 'admin'): Promise<string> {
  const id = await insertUser(pool, { email, passwordHash: 'x', role, displayName: '' });
  if (!id) throw new Error(`${email} exists`);
  return id;
}

describe('issuing an API key by the owner’s email (api/pages/market-makers.ts)', () => {
  it('finds the client with that exact email behind 50 newer clients whose emails contain it', async () => {
    const domain = `mm-${randomUUID().slice(0, 8)}.test`;
    const ownerId = await user(`ann@${domain}`, 'client');
    // Newer, and each email contains the owner's: a search by the email lists these first.
    for (let i = 0; i < 50; i += 1) await user(`jo${i}ann@${domain}`, 'client');
    const adminId = await user(`admin@${domain}`, 'admin');
    const services = marketMakerWebServices({ pool } as AppDeps);
    const issued = await services.issue(
      { id: adminId, email: `admin@${domain}`, role: 'admin' },
      { ownerEmail: ` ANN@${domain.toUpperCase()} `, name: 'desk', scopes: ['orders:read'], expiresAt: null },
    );
    expect(issued.apiKey.ownerId).toBe(ownerId);
  });

  it('refuses an email no client has, and a staff member’s', async () => {
    const domain = `mm-${randomUUID().slice(0, 8)}.test`;
    const adminId = await user(`admin@${domain}`, 'admin');
    const services = marketMakerWebServices({ pool } as AppDeps);
    const admin = { id: adminId, email: `admin@${domain}`, role: 'admin' as const };
    const input = { name: 'desk', scopes: ['orders:read'], expiresAt: null };
    const refused = {
      status: 400,
      details: { issues: [{ path: 'ownerEmail', message: 'no client has this email' }] },
    };
    await expect(services.issue(admin, { ...input, ownerEmail: `nobody@${domain}` })).rejects.toMatchObject(
      refused,
    );
    await expect(services.issue(admin, { ...input, ownerEmail: `admin@${domain}` })).rejects.toMatchObject(
      refused,
    );
  });
});
