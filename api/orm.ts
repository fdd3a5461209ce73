import { MikroORM } from '@mikro-orm/postgresql';
import { config } from '../db/config.js';
import { ormConfig } from '../db/orm.config.js';

// One MikroORM instance per database URL, created on first use. Handlers fork its EntityManager
// per request: `(await deps.orm()).em.fork()`.

const instances = new Map<string, Promise<MikroORM>>();

export function getOrm(url: string = config.databaseUrl): Promise<MikroORM> {
  let orm = instances.get(url);
  if (!orm) {
    orm = MikroORM.init(ormConfig(url));
    instances.set(url, orm);
    orm.catch(() => instances.delete(url));
  }
  return orm;
}

export async function closeOrms(): Promise<void> {
  const all = [...instances.values()];
  instances.clear();
  await Promise.all(all.map(async (orm) => (await orm.catch(() => undefined))?.close(true)));
}
