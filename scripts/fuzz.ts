// npm run fuzz — the fuzz suite on a stack of its own (scripts/chaos/stack.ts: its own database,
// Temporal dev server, worker and server), longer than the short run in npm test (tests/fuzz).
//
//   --cases N     FUZZ_CASES     generated requests per operation and role (20)
//   --seed N      FUZZ_SEED      (1)
//   --minutes M   FUZZ_MINUTES   stop generating after M minutes (10)
//   --keep        FUZZ_KEEP=1    keep the database and the logs
//
// Exits 1 on any violation (a 5xx, an error not in the contract's shape, a 4xx that changed state).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureSystemAccounts } from '../db/ledger/index.js';
import { insertUser } from '../db/users/index.js';
import { hashPassword } from '../db/users/passwords.js';
import type { Role } from '../domain/roles.js';
import { CHAOS_POLICY_ENV } from './chaos/run.js';
import { startStack } from './chaos/stack.js';
import { formatFuzzReport, runFuzz } from './fuzz/run.js';
import { ensureTemporalCli } from './temporal-cli.js';

const ROLES: Role[] = ['client', 'operations', 'aml_officer', 'auditor', 'admin'];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      seed: { type: 'string' },
      minutes: { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  const cases = Number(values.cases ?? process.env.FUZZ_CASES ?? 20);
  const seed = Number(values.seed ?? process.env.FUZZ_SEED ?? 1);
  const minutes = Number(values.minutes ?? process.env.FUZZ_MINUTES ?? 10);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const stack = await startStack({
    postgresUrl:
      process.env.FUZZ_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    temporalCli: await ensureTemporalCli(log),
    env: CHAOS_POLICY_ENV,
    log,
    keep: values.keep === true || process.env.FUZZ_KEEP === '1',
  });
  try {
    await ensureSystemAccounts(stack.pool);
    const people: { role: Role; email: string; password: string }[] = [];
    for (const role of ROLES) {
      const email = `fuzz-${role}-${randomUUID().slice(0, 8)}@fuzz.example`;
      const password = `pw-${randomUUID()}`;
      await insertUser(stack.pool, {
        email,
        passwordHash: await hashPassword(password, { N: 1024, r: 8, p: 1 }),
        role,
        displayName: `Fuzz ${role}`,
      });
      people.push({ role, email, password });
    }
    const report = await runFuzz({
      baseUrl: stack.apiUrl,
      pool: stack.pool,
      seed,
      casesPerOperation: cases,
      deadline: Date.now() + minutes * 60_000,
      log,
      async signIn() {
        const tokens: Record<string, string | null> = { anonymous: null };
        for (const person of people) {
          const answer = await fetch(`${stack.apiUrl}/api/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: person.email, password: person.password }),
          });
          if (answer.status !== 200) throw new Error(`sign-in of ${person.role}: ${answer.status}`);
          tokens[person.role] = ((await answer.json()) as { accessToken: string }).accessToken;
        }
        return tokens;
      },
    });
    log(formatFuzzReport(report));
    return report.violations.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

process.once('SIGINT', () => process.exit(130));
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fuzz run failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(2);
  },
);
