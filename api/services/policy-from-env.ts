// The policy a lifecycle's new workflows start with. Policies are versioned in PostgreSQL
// (db/policies/, edited on the admin page through api/services/policies.ts); the environment only
// gives the first defaults: while a policy has no stored version, it is the domain defaults,
// overridden by a JSON object in one environment variable (DEPOSIT_POLICY_JSON, ...), and counts as
// version 1. Once an admin saves a version, the newest stored version is the policy and the
// variable no longer matters.
//
// Readers stay synchronous (call sites build workflow inputs in plain expressions): they answer from
// a process-wide snapshot of the current versions, which watchPolicyVersions keeps fresh — loaded
// when the API starts, reloaded every POLICY_REFRESH_MS, and replaced at once in the process that
// saves a version. A running workflow keeps the policy in its input; only new ones see a change.
import type pg from 'pg';
import { logger } from '../logger.js';
import { currentPolicyVersions } from '../../db/policies/versions.js';
import { policyFromJsonEnv, policyNameOf, type PolicyFromEnv } from '../../domain/policy-env.js';

/** How often each process reloads the current versions (another process may have saved one). */
export const POLICY_REFRESH_MS = 2_000;

/** A policy as the registry knows it: its name (from the variable) and how to complete and check it. */
export interface RegisteredPolicy {
  name: string;
  variable: string;
  /** The policy from the environment alone (the first defaults). Throws when that is not usable. */
  fromEnv: (env?: NodeJS.ProcessEnv) => unknown;
  complete: (document: Record<string, unknown>) => unknown;
  check: (policy: unknown) => string[];
}

interface StoredVersion {
  version: number;
  policy: unknown;
}

const registry = new Map<string, RegisteredPolicy>();
const snapshot = new Map<string, StoredVersion>();

/** Every policy some lifecycle reads, by name (registered when its service module loads). */
export function registeredPolicies(): RegisteredPolicy[] {
  return [...registry.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function registeredPolicy(name: string): RegisteredPolicy | null {
  return registry.get(name) ?? null;
}

/** The stored version now in force for `name`, or null when it runs on its first defaults. */
export function storedPolicyVersion(name: string): StoredVersion | null {
  return snapshot.get(name) ?? null;
}

/** policyFromJsonEnv, answered again without parsing while the variable's text stays the same. */
function envReader<P>(spec: PolicyFromEnv<P>): (env?: NodeJS.ProcessEnv) => P {
  let cached: { raw: string | undefined; policy: P } | undefined;
  return (env = process.env) => {
    const raw = env[spec.variable]?.trim() || undefined;
    if (cached && cached.raw === raw) return cached.policy;
    const policy = policyFromJsonEnv(spec, env);
    cached = { raw, policy };
    return policy;
  };
}

/** A reader of the policy `spec` describes: `(env = process.env) => policy` (see the top). */
export function policyFromEnv<P>(spec: PolicyFromEnv<P>): (env?: NodeJS.ProcessEnv) => P {
  const name = policyNameOf(spec.variable);
  const fromEnv = envReader(spec);
  registry.set(name, {
    name,
    variable: spec.variable,
    fromEnv,
    complete: (document) => spec.withDefaults(document as Partial<P>),
    check: (policy) => spec.check(policy as P),
  });
  return (env = process.env) => {
    const stored = snapshot.get(name);
    return stored ? (stored.policy as P) : fromEnv(env);
  };
}

/**
 * Puts a stored version into this process's snapshot (after a save, and for every row a reload
 * finds). A version the code can no longer use (a field became stricter) is skipped loudly: the
 * previous snapshot entry, or the first defaults, stay in force.
 */
export function adoptPolicyVersion(name: string, version: number, document: Record<string, unknown>): void {
  const known = registry.get(name);
  if (!known) return;
  const current = snapshot.get(name);
  if (current && current.version >= version) return;
  const policy = known.complete(document);
  const problems = known.check(policy);
  if (problems.length > 0) {
    logger.error(
      { policy: name, version, problems },
      'stored policy version is not usable; keeping the previous one',
    );
    return;
  }
  snapshot.set(name, { version, policy });
}

/** Reloads the current versions from PostgreSQL into the snapshot. */
export async function reloadPolicyVersions(pool: pg.Pool): Promise<void> {
  for (const row of await currentPolicyVersions(pool))
    adoptPolicyVersion(row.name, row.version, row.document);
}

let watcher: { pool: pg.Pool; timer: NodeJS.Timeout; loaded: Promise<void> } | undefined;

/**
 * Keeps this process's snapshot fresh from `pool` (one watcher per process; a later call moves it to
 * the new pool). Answers the first load. Stops by itself once the pool has been ended.
 */
export function watchPolicyVersions(pool: pg.Pool): Promise<void> {
  if (watcher?.pool === pool) return watcher.loaded;
  if (watcher) clearInterval(watcher.timer);
  const reload = () =>
    reloadPolicyVersions(pool).catch((error: unknown) => {
      if (error instanceof Error && /after calling end/.test(error.message)) {
        if (watcher?.pool === pool) {
          clearInterval(watcher.timer);
          watcher = undefined;
        }
        return;
      }
      logger.warn({ err: error }, 'policy versions not reloaded; the previous ones stay in force');
    });
  const timer = setInterval(reload, POLICY_REFRESH_MS);
  timer.unref();
  watcher = { pool, timer, loaded: reload() };
  return watcher.loaded;
}
