import type { MigrationObject } from '@mikro-orm/core';

// Ordered list of every schema migration. Append new ones; never edit or reorder applied ones.
export const migrationsList: MigrationObject[] = [];
