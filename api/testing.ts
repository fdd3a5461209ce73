// Helpers for API tests: the real app on an ephemeral port, against the test database the global
// setup created (DATABASE_URL). Not used by production code.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type pg from 'pg';
import { config } from '../db/config.js';
import { createPool } from '../db/pool.js';
import type { Role } from '../domain/roles.js';
import { createApp, type CreateAppOptions } from './app.js';
import { insertUser } from '../db/users/index.js';
import { hashPassword, setDummyHashParams, type ScryptParams } from '../db/users/passwords.js';

// Test users' passwords are hashed cheaply (the default costs ~0.1-1 s of CPU per hash), and the
// unknown-email check of the app is made to cost the same, as it does against real hashes.
const TEST_SCRYPT_PARAMS: ScryptParams = { N: 1024, r: 8, p: 1 };

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  password: string;
}

export interface TestApp {
  url: string;
  pool: pg.Pool;
  /** fetch against the app: `api('/api/v1/me', { token })`; JSON-encodes `json`, parses JSON answers. */
  api(path: string, init?: ApiInit): Promise<ApiAnswer>;
  /** A new user with a unique email (cheap password hash, so tests stay fast). */
  createUser(role: Role, options?: { password?: string; disabled?: boolean }): Promise<TestUser>;
  /** Signs in through POST /auth/login and returns its body (accessToken, refreshToken, user). */
  login(
    user: Pick<TestUser, 'email' | 'password'>,
  ): Promise<{ accessToken: string; refreshToken: string; user: { id: string; email: string; role: Role } }>;
  close(): Promise<void>;
}

export interface ApiInit extends Omit<RequestInit, 'body'> {
  token?: string;
  json?: unknown;
  body?: BodyInit;
  idempotencyKey?: string;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function startTestApp(options: CreateAppOptions = {}): Promise<TestApp> {
  const pool = options.pool ?? createPool(config.databaseUrl, 5);
  setDummyHashParams(TEST_SCRYPT_PARAMS);
  const app = createApp({ ...options, pool });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const api: TestApp['api'] = async (path, init = {}) => {
    const { token, json, idempotencyKey, headers: given, ...rest } = init;
    const headers = new Headers(given);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (idempotencyKey !== undefined) headers.set('idempotency-key', idempotencyKey);
    let body = init.body;
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(json);
    }
    const response = await fetch(url + path, { ...rest, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown = undefined;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed, text };
  };

  return {
    url,
    pool,
    api,
    async createUser(role, userOptions = {}) {
      const password = userOptions.password ?? `pw-${randomUUID()}`;
      const email = `${role}-${randomUUID()}@test.example`;
      const hash = await hashPassword(password, TEST_SCRYPT_PARAMS);
      const id = await insertUser(pool, {
        email,
        passwordHash: hash,
        role,
        displayName: `Test ${role}`,
        disabled: userOptions.disabled,
      });
      if (!id) throw new Error(`could not create a ${role}`);
      return { id, email, role, password };
    },
    async login(user) {
      const answer = await api('/api/v1/auth/login', {
        method: 'POST',
        json: { email: user.email, password: user.password },
      });
      if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${answer.text}`);
      return answer.body;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.pool) await pool.end();
    },
  };
}
