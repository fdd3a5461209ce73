import type { EntitySchema } from '@mikro-orm/core';
import { UserSchema } from './user.js';

// Every MikroORM entity schema of the project, registered with the ORM in one place.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const entities: EntitySchema<any, any>[] = [UserSchema];
