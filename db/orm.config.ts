import { defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { config } from './config.js';
import { migrationsList } from './migrations/index.js';

// Migrations are listed explicitly (not discovered by glob) so the same list runs under tsx, vitest
// and a bundled build alike.
export function ormConfig(clientUrl: string = config.databaseUrl) {
  return defineConfig({
    clientUrl,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    migrations: { migrationsList, transactional: true, allOrNothing: true, tableName: 'schema_migration' },
    pool: { min: 0, max: 5 },
    debug: false,
    // The runners print their own one-line summary; the ORM's coloured per-migration lines are noise.
    logger: () => undefined,
  });
}

export default ormConfig();
