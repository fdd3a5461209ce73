import type { Role } from '../../domain/roles.js';

/** Where each role lands after signing in. */
export function homePathFor(role: Role): string {
  switch (role) {
    case 'client':
      return '/app/balances';
    case 'auditor':
      return '/audit';
    default:
      return '/ops/tasks';
  }
}
