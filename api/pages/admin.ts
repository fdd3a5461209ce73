// Administration services for the Remix pages (/admin/users, /admin/policies, /set-password): the
// same service functions the JSON routes call, so a page applies exactly the API's rules.
import type { AppDeps } from '../deps.js';
import { confirmPasswordReset, requestPasswordReset } from '../auth/password-reset.js';
import { changeUser, inviteUser, listAdminUsers } from '../services/admin-users.js';
import { decidePolicy, listPolicies, savePolicy } from '../services/policies.js';
import { forbidden, validationFailed } from '../errors.js';
import {
  findUsers,
  userCounts,
  userSortOf,
  USER_STATUSES,
  type UserStatus,
} from '../../db/lists/user-list.js';
import type { Sort } from '../../db/lists/sorting.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { adminUserView } from '../services/admin-users.js';
import { canReadAllClients } from '../../domain/roles.js';
import type { WebUser } from './load-context.js';

function requireAdmin(user: WebUser): WebUser {
  if (user.role !== 'admin') throw forbidden('only administrators manage users and policies');
  return user;
}

interface UserPageQuery {
  search?: string;
  role?: string;
  status?: string;
  sort?: Sort;
  cursor?: string;
  limit?: number;
}

/** The role and status filters as the list knows them; anything else is the URL's mistake (400). */
function userFilters(query: UserPageQuery): { role?: Role; status?: UserStatus } {
  const wrong = [];
  if (query.role && !(ROLES as readonly string[]).includes(query.role))
    wrong.push({ path: 'role', code: 'invalid_enum', message: `role is one of ${ROLES.join(', ')}` });
  if (query.status && !(USER_STATUSES as readonly string[]).includes(query.status))
    wrong.push({
      path: 'status',
      code: 'invalid_enum',
      message: `status is one of ${USER_STATUSES.join(', ')}`,
    });
  if (wrong.length > 0) throw validationFailed(wrong, wrong.map((issue) => issue.message).join('; '));
  return {
    role: (query.role || undefined) as Role | undefined,
    status: (query.status || undefined) as UserStatus | undefined,
  };
}

export function adminWebServices(deps: AppDeps) {
  return {
    users: (user: WebUser, query: Record<string, string>) => {
      requireAdmin(user);
      return listAdminUsers(deps, query);
    },
    /** The users page's list: sorted by a header, keyset-paged, counted per role and status. */
    userLists: {
      sortOf: (column?: string | null, dir?: string | null) => userSortOf(column, dir),
      counts: (user: WebUser) => {
        requireAdmin(user);
        return userCounts(deps.pool);
      },
      page: async (user: WebUser, query: UserPageQuery) => {
        requireAdmin(user);
        const { role: _role, status: _status, ...rest } = query;
        const page = await findUsers(deps.pool, { ...rest, ...userFilters(query) });
        return { items: page.users.map(adminUserView), nextCursor: page.nextCursor };
      },
    },
    invite: (user: WebUser, body: { email: string; role: string; name: string }) =>
      inviteUser(deps, requireAdmin(user), body),
    change: (
      user: WebUser,
      id: string,
      action: 'role' | 'disable' | 'enable',
      body: { role?: string } = {},
    ) => changeUser(deps, requireAdmin(user), id, action, body),
    policies: (user: WebUser) => {
      if (!canReadAllClients(user.role)) throw forbidden();
      return listPolicies(deps);
    },
    savePolicy: (user: WebUser, name: string, policy: unknown, reason: string) =>
      savePolicy(deps, requireAdmin(user), name, { policy, reason }),
    decidePolicy: (user: WebUser, name: string, id: string, decision: 'approve' | 'reject') =>
      decidePolicy(deps, requireAdmin(user), name, id, decision),
    /** Public: the set-password page of invitation and reset links. */
    setPassword: (token: string, password: string) => confirmPasswordReset(deps, { token, password }),
    /** Public: "forgot your password". */
    requestReset: (email: string) => requestPasswordReset(deps, email),
  };
}
