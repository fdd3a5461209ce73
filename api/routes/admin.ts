// Administration over HTTP: users (list, invite, role, disable, enable) and versioned policies
// (read, save, approve or reject a pending money-moving change). api/services/admin-users.ts and
// api/services/policies.ts do the work; this file declares routes and their OpenAPI entries.
import { Router } from 'express';
import { READ_ALL_ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireRole } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, registry } from '../openapi.js';
import {
  AdminUserSchema,
  ChangeRoleBodySchema,
  InvitationSchema,
  InviteUserBodySchema,
  ListUsersQuerySchema,
  UserIdParamsSchema,
  UserListSchema,
  changeUser,
  inviteUser,
  listAdminUsers,
  resetUserTwoFactor,
} from '../services/admin-users.js';
import {
  PolicyChangeParamsSchema,
  PolicyListSchema,
  PolicyParamsSchema,
  PolicySavedSchema,
  PolicySchema,
  PutPolicyBodySchema,
  decidePolicy,
  getPolicy,
  listPolicies,
  savePolicy,
} from '../services/policies.js';
import { watchPolicyVersions } from '../services/policy-from-env.js';

const userTags = ['admin'];
const security = bearerAuth;

registry.registerPath({
  method: 'get',
  path: '/admin/users',
  tags: userTags,
  summary: 'Users, newest first; search by email or name, filter by role or status',
  security,
  request: { query: ListUsersQuerySchema },
  responses: { 200: jsonResponse('A page of users', UserListSchema), ...errorResponses(400, 401, 403) },
});
registry.registerPath({
  method: 'post',
  path: '/admin/users',
  tags: userTags,
  summary: 'Invite a user: the account and a set-password link by email (expires in 72 hours)',
  security,
  request: { body: jsonBody(InviteUserBodySchema) },
  responses: { 201: jsonResponse('Invited', InvitationSchema), ...errorResponses(400, 401, 403, 409) },
});
for (const [action, summary] of [
  ['role', 'Change the role (not one’s own administrator role)'],
  ['disable', 'Disable: every session ends at once (not oneself)'],
  ['enable', 'Enable again (old sessions stay ended)'],
  ['totp-reset', 'Remove the user’s two-factor set-up (a lost phone); they enrol again'],
] as const) {
  registry.registerPath({
    method: 'post',
    path: `/admin/users/{id}/${action}`,
    tags: userTags,
    summary,
    security,
    request: {
      params: UserIdParamsSchema,
      ...(action === 'role' ? { body: jsonBody(ChangeRoleBodySchema) } : {}),
    },
    responses: {
      200: jsonResponse('The user after the change', AdminUserSchema),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
}
registry.registerPath({
  method: 'get',
  path: '/admin/policies',
  tags: userTags,
  summary: 'Every policy: the version new lifecycles start with, pending changes, recent versions',
  security,
  responses: { 200: jsonResponse('Policies', PolicyListSchema), ...errorResponses(401, 403) },
});
registry.registerPath({
  method: 'get',
  path: '/admin/policies/{name}',
  tags: userTags,
  summary: 'One policy',
  security,
  request: { params: PolicyParamsSchema },
  responses: { 200: jsonResponse('The policy', PolicySchema), ...errorResponses(401, 403, 404) },
});
registry.registerPath({
  method: 'put',
  path: '/admin/policies/{name}',
  tags: userTags,
  summary:
    'Save a new version (200 saved); a change of a money-moving field waits for a second admin (202 pending_approval)',
  security,
  request: { params: PolicyParamsSchema, body: jsonBody(PutPolicyBodySchema) },
  responses: {
    200: jsonResponse('Saved or unchanged', PolicySavedSchema),
    202: jsonResponse('Waiting for a second administrator', PolicySavedSchema),
    ...errorResponses(400, 401, 403, 404),
  },
});
for (const decision of ['approve', 'reject'] as const) {
  registry.registerPath({
    method: 'post',
    path: `/admin/policies/{name}/changes/{id}/${decision}`,
    tags: userTags,
    summary:
      decision === 'approve'
        ? 'Approve another administrator’s pending change: it becomes the next version'
        : 'Reject a pending change',
    security,
    request: { params: PolicyChangeParamsSchema },
    responses: {
      200: jsonResponse('The policy after the decision', PolicySchema),
      ...errorResponses(401, 403, 404, 409),
    },
  });
}

export function adminRouter(deps: AppDeps): Router {
  // Lifecycles read their policies from this process's snapshot of the stored versions: start it.
  void watchPolicyVersions(deps.pool);
  const router = Router();
  const admin = requireRole('admin');

  router.get(
    '/admin/users',
    admin,
    asyncHandler(async (req, res) => {
      res.json(await listAdminUsers(deps, req.query));
    }),
  );
  router.post(
    '/admin/users',
    admin,
    asyncHandler(async (req, res) => {
      res.status(201).json(await inviteUser(deps, currentUser(req), req.body));
    }),
  );
  for (const action of ['role', 'disable', 'enable'] as const) {
    router.post(
      `/admin/users/:id/${action}`,
      admin,
      asyncHandler(async (req, res) => {
        res.json(await changeUser(deps, currentUser(req), String(req.params.id), action, req.body));
      }),
    );
  }
  router.post(
    '/admin/users/:id/totp-reset',
    admin,
    asyncHandler(async (req, res) => {
      res.json(await resetUserTwoFactor(deps, currentUser(req), String(req.params.id)));
    }),
  );

  router.get(
    '/admin/policies',
    requireRole(...READ_ALL_ROLES),
    asyncHandler(async (_req, res) => {
      res.json(await listPolicies(deps));
    }),
  );
  router.get(
    '/admin/policies/:name',
    requireRole(...READ_ALL_ROLES),
    asyncHandler(async (req, res) => {
      res.json(await getPolicy(deps, String(req.params.name)));
    }),
  );
  router.put(
    '/admin/policies/:name',
    admin,
    asyncHandler(async (req, res) => {
      const saved = await savePolicy(deps, currentUser(req), String(req.params.name), req.body);
      res.status(saved.outcome === 'pending_approval' ? 202 : 200).json(saved);
    }),
  );
  for (const decision of ['approve', 'reject'] as const) {
    router.post(
      `/admin/policies/:name/changes/:id/${decision}`,
      admin,
      asyncHandler(async (req, res) => {
        res.json(
          await decidePolicy(
            deps,
            currentUser(req),
            String(req.params.name),
            String(req.params.id),
            decision,
          ),
        );
      }),
    );
  }
  return router;
}
