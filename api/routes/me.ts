import { Router } from 'express';
import { z } from 'zod';
import { getUser } from '../../db/users/index.js';
import { ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler, unauthenticated } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';

export const MeSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(ROLES),
    displayName: z.string(),
    kycStatus: z.string().meta({ example: 'NOT_STARTED' }),
  })
  .meta({ id: 'Me' });

registry.registerPath({
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: 'The signed-in user',
  security: bearerAuth,
  responses: { 200: jsonResponse('The caller', MeSchema), ...errorResponses(401) },
});

export function meRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/me',
    requireAuth,
    asyncHandler(async (req, res) => {
      const caller = currentUser(req);
      const user = await getUser(deps.pool, caller.id);
      if (!user || user.disabled) throw unauthenticated('this account no longer exists or is disabled');
      const body: z.output<typeof MeSchema> = {
        id: user.id,
        email: user.email,
        role: user.role,
        displayName: user.displayName,
        kycStatus: user.kycStatus,
      };
      res.json(body);
    }),
  );
  return router;
}
