// `npm run audit:verify`: recomputes the audit log's hash chain in DATABASE_URL and says whether it
// is intact. Exit 0 intact, 1 broken (naming the first broken entry), 2 could not check.
import { verifyAuditLog } from '../db/audit/verify.js';
import { config } from '../db/config.js';
import { createPool } from '../db/pool.js';

async function main(): Promise<number> {
  const pool = createPool(config.databaseUrl, 1);
  try {
    const result = await verifyAuditLog(pool);
    if (result.valid) {
      const head = result.head ? ` (head: seq ${result.head.seq}, hash ${result.head.hash})` : '';
      console.log(`audit log intact: ${result.entries} entries verified${head}`);
    } else {
      console.error(
        `AUDIT LOG BROKEN at entry ${result.firstBrokenId} (${result.reason}): ` +
          `${result.entries - 1} entries before it verified`,
      );
    }
    console.log(JSON.stringify(result));
    return result.valid ? 0 : 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`audit:verify could not run: ${(error as Error).message ?? String(error)}`);
    process.exit(2);
  },
);
