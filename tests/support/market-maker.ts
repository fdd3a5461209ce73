// Makes a client a market maker for a browser test: a fresh admin issues it an API key through the
// JSON API (POST /api/v1/admin/api-keys), as an admin would, so the staff lists show it.
import { expect } from 'vitest';
import type { TestApp, TestUser } from '../../api/testing.js';

export async function issueKeyTo(app: TestApp, owner: TestUser, name: string): Promise<void> {
  const admin = await app.createUser('admin');
  const issued = await app.api('/api/v1/admin/api-keys', {
    method: 'POST',
    token: (await app.login(admin)).accessToken,
    json: { ownerId: owner.id, name, scopes: ['orders:read'] },
  });
  expect(issued.status, issued.text).toBe(201);
}
