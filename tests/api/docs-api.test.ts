// docs/api.md is the HTTP contract people read; the OpenAPI document (api/openapi.ts, built from the
// zod schemas each api/routes/* file registers) is the one the server serves. This keeps them the
// same list of routes: every operation of GET /api/v1/openapi.json is in docs/api.md, and every
// route docs/api.md names is in the OpenAPI document (or is one of the few routes the app serves
// outside it, which must then really be served). Then the app itself: every route Express really has
// under /api/v1 is documented. No server is started and nothing is connected.
//
// The docs' notation: `METHOD /path` in backticks, paths relative to /api/v1, parameters as `:name`
// (`{name}` is read the same), a query string allowed and ignored (`GET /balances?clientId=`).
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { buildOpenApiDocument } from '../../api/openapi.js';
import '../../api/routes/index.js';
import { closePool } from '../../db/pool.js';

const DOC_PATH = new URL('../../docs/api.md', import.meta.url);
const API_PREFIX = '/api/v1';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Routes the app serves that the OpenAPI document does not describe, as docs/api.md names them:
 * the document itself, and health and readiness (outside /api/v1: their paths are absolute).
 */
const SERVED_OUTSIDE_OPENAPI: Record<string, string> = {
  'GET /openapi.json': `${API_PREFIX}/openapi.json`,
  'GET /healthz': '/healthz',
  'GET /readyz': '/readyz',
};

/** `/ops/deposits/{id}/confirm` and `/ops/deposits/:id/confirm?x=` → `/ops/deposits/:id/confirm`. */
function normalisePath(path: string): string {
  const bare = path.split('?')[0]!.replace(/\{(\w+)\}/g, ':$1');
  return bare.length > 1 ? bare.replace(/\/$/, '') : bare;
}

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${normalisePath(path)}`;

/** Every `METHOD /path` in backticks in docs/api.md. */
function documentedRoutes(markdown: string): Set<string> {
  const pattern = new RegExp(`\`(${METHODS.join('|')}) (/[^\`\\s]*)\``, 'g');
  return new Set([...markdown.matchAll(pattern)].map((match) => routeKey(match[1]!, match[2]!)));
}

/** Every (method, path) operation of the OpenAPI document. */
function openApiRoutes(): Set<string> {
  const doc = buildOpenApiDocument() as { paths?: Record<string, Record<string, unknown>> };
  const found = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(item)) {
      if ((METHODS as readonly string[]).includes(method.toUpperCase())) found.add(routeKey(method, path));
    }
  }
  return found;
}

/** The parts of Express 4's (untyped) router internals the walk reads. */
interface StackLayer {
  name: string;
  regexp: RegExp & { fast_slash?: boolean };
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: StackLayer[] };
}

/** The path a router was mounted at, from its layer's regexp (`/^\/api\/v1\/?(?=\/|$)/i` → `/api/v1`). */
function mountPath(layer: StackLayer): string {
  if (layer.regexp.fast_slash) return '';
  const path = layer.regexp.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\\\//g, '/');
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path)) throw new Error(`cannot read the mount path of ${layer.regexp}`);
  return path;
}

/** Every `METHOD /full/path` the app routes (app.all routes as ALL). */
function servedRoutes(app: Express): Set<string> {
  const found = new Set<string>();
  const walk = (stack: StackLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== 'string') throw new Error(`a route with a non-string path (${String(path)})`);
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on) found.add(routeKey(method === '_all' ? 'ALL' : method, prefix + path));
          }
        }
      } else if (layer.name === 'router' && layer.handle.stack) {
        walk(layer.handle.stack, prefix + mountPath(layer));
      }
    }
  };
  const router = (app as unknown as { _router?: { stack: StackLayer[] } })._router;
  if (!router) throw new Error('the app has no router');
  walk(router.stack, '');
  return found;
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

describe('docs/api.md and the OpenAPI document', () => {
  const documented = documentedRoutes(readFileSync(DOC_PATH, 'utf8'));
  const inOpenApi = openApiRoutes();
  // createApp builds every router (none connects before a request), so the walk sees what is served.
  const served = servedRoutes(createApp());

  afterAll(async () => {
    await closePool();
  });

  it('reads routes from both (the parsers are not silently empty)', () => {
    expect(inOpenApi.size).toBeGreaterThan(20);
    expect(documented.size).toBeGreaterThan(20);
    expect(inOpenApi).toContain('POST /deposits');
    expect(inOpenApi).toContain('POST /ops/deposits/:id/confirm');
  });

  it('documents every operation of openapi.json in docs/api.md', () => {
    const missing = sorted([...inOpenApi].filter((key) => !documented.has(key)));
    expect(missing, 'in openapi.json but not in docs/api.md').toEqual([]);
  });

  it('lists as served only routes that openapi.json describes (or the app serves beside it)', () => {
    const unknown = sorted(
      [...documented].filter((key) => !inOpenApi.has(key) && !(key in SERVED_OUTSIDE_OPENAPI)),
    );
    expect(unknown, 'in docs/api.md but not in openapi.json').toEqual([]);
  });

  it('the routes outside openapi.json are really served, and are in docs/api.md', () => {
    for (const [key, fullPath] of Object.entries(SERVED_OUTSIDE_OPENAPI)) {
      const method = key.split(' ')[0]!;
      expect(served, `${key} served at ${fullPath}`).toContain(routeKey(method, fullPath));
      expect(documented, `${key} in docs/api.md`).toContain(key);
      expect(inOpenApi, `${key} would belong in the first list`).not.toContain(key);
    }
  });

  it('every route the app serves under /api/v1 is in openapi.json (so docs/api.md can list it)', () => {
    const outside = new Set(Object.values(SERVED_OUTSIDE_OPENAPI).map(normalisePath));
    const undocumented = sorted(
      [...served]
        .map((key) => {
          const [method, path] = key.split(' ') as [string, string];
          return { method, path };
        })
        .filter(({ path }) => path.startsWith(`${API_PREFIX}/`) && !outside.has(path))
        .map(({ method, path }) => routeKey(method, path.slice(API_PREFIX.length)))
        .filter((key) => !inOpenApi.has(key)),
    );
    expect(undocumented, 'served under /api/v1 but not in openapi.json').toEqual([]);
  });
});
