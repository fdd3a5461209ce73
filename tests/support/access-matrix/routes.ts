// Every route the Express app really has, read from its router stack (recursively through mounted
// routers), so a test over "every route" covers a new route the day it is added.
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';

interface Layer {
  name: string;
  regexp: RegExp & { fast_slash?: boolean };
  keys?: { name: string }[];
  route?: { path: string | RegExp | (string | RegExp)[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

export interface Route {
  method: string;
  /** With Express parameters: '/api/v1/deposits/:id'. */
  path: string;
}

function mountPath(layer: Layer): string {
  if (layer.regexp.fast_slash) return '';
  if (layer.keys?.length) throw new Error(`a router at a parameterised path (${layer.regexp})`);
  const path = layer.regexp.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\\\//g, '/');
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path)) throw new Error(`unreadable mount path ${layer.regexp}`);
  return path;
}

function walk(stack: Layer[], prefix: string, out: Route[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const path of [layer.route.path].flat()) {
        if (typeof path !== 'string') throw new Error(`a RegExp route (${path})`);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on)
            out.push({ method: method === '_all' ? 'POST' : method.toUpperCase(), path: prefix + path });
        }
      }
    } else if (layer.name === 'router' && layer.handle.stack) {
      walk(layer.handle.stack, prefix + mountPath(layer), out);
    }
  }
}

/** Every route under `prefix`, one per method and path, sorted. */
export function routesOf(app: Express, prefix = '/api/v1'): Route[] {
  const router = (app as unknown as { _router?: { stack: Layer[] } })._router;
  if (!router) throw new Error('the app has no router');
  const all: Route[] = [];
  walk(router.stack, '', all);
  const seen = new Set<string>();
  return all
    .filter((r) => r.path.startsWith(`${prefix}/`) && r.method !== 'HEAD')
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && Boolean(seen.add(`${r.method} ${r.path}`)))
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** Express parameters filled: with `ids[name]` when given, else a fresh UUID. */
export function fill(path: string, ids: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?\??/g, (_m, name: string) => ids[name] ?? randomUUID());
}

export const keyOf = (r: Route) => `${r.method} ${r.path}`;
