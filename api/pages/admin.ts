// Administration services for the Remix pages (/admin/users, /admin/policies, /set-password): the
// same service functions the JSON routes call, so a page applies exactly the API's rules.
import type { AppDeps } from '../deps.js';
import { confirmPasswordReset, requestPasswordReset } from '../auth/password-reset.js';
import { changeUser, inviteUser, listAdminUsers } from '../services/admin-users.js';
import { decidePolicy, listPolicies, savePolicy } from '../services/policies.js';
import { forbidden } from '../errors.js';
import { canReadAllClients } from '../../domain/roles.js';
import type { WebUser } from './load-context.js';

function requireAdmin(user: WebUser): WebUser {
  if (user.role !== 'admin') throw forbidden('only administrators manage users and policies');
  return user;
}

export function adminWebServices(deps: AppDeps) {
  return {
    users: (user: WebUser, query: Record<string, string>) => {
      requireAdmin(user);
      return listAdminUsers(deps, query);
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
