import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import { REFRESH_COOKIE, clearSessionCookies, setSessionCookies } from '../auth/session.js';
import { login, logout, refreshSession, type TokenPair } from '../auth/service.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler, unauthenticated } from '../errors.js';
import { currentUser, requireAuth } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, registry } from '../openapi.js';
import { parseBody, textField } from '../validate.js';

export const LoginBody = z
  .object({
    email: textField({ max: 320, required: true }).meta({ example: 'client@example.com' }),
    // Not trimmed: spaces around a password are part of it.
    password: textField({ max: 1024, required: true, trim: false }).meta({ example: 'demo-password' }),
  })
  .meta({ id: 'LoginRequest' });

export const RefreshBody = z
  .object({
    refreshToken: textField({ max: 512, required: true, trim: false })
      .optional()
      .meta({ description: 'Omit to use the ch_refresh cookie.' }),
  })
  .meta({ id: 'RefreshRequest' });

export const LogoutBody = z.object({
  refreshToken: textField({ max: 512, required: true, trim: false }).optional(),
});

export const SessionUserSchema = z
  .object({ id: z.uuid(), email: z.string(), role: z.enum(ROLES) })
  .meta({ id: 'SessionUser' });

export const TokenPairSchema = z
  .object({
    accessToken: z
      .string()
      .meta({ description: 'JWT (HS256), valid 15 minutes; send as Authorization: Bearer' }),
    accessTokenExpiresAt: z.iso.datetime(),
    refreshToken: z.string().meta({ description: 'Opaque, single use: every refresh returns a new one' }),
    refreshTokenExpiresAt: z.iso.datetime(),
    user: SessionUserSchema,
  })
  .meta({ id: 'TokenPair' });

function tokenPairBody(pair: TokenPair): z.output<typeof TokenPairSchema> {
  return {
    accessToken: pair.accessToken,
    accessTokenExpiresAt: pair.accessTokenExpiresAt.toISOString(),
    refreshToken: pair.refreshToken,
    refreshTokenExpiresAt: pair.refreshTokenExpiresAt.toISOString(),
    user: pair.user,
  };
}

registry.registerPath({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Sign in with email and password (also sets the page cookies)',
  request: { body: jsonBody(LoginBody) },
  responses: { 200: jsonResponse('Signed in', TokenPairSchema), ...errorResponses(400, 401, 429) },
});
registry.registerPath({
  method: 'post',
  path: '/auth/refresh',
  tags: ['auth'],
  summary: 'Trade a refresh token for a new pair; a reused refresh token ends the whole session',
  request: { body: jsonBody(RefreshBody) },
  responses: { 200: jsonResponse('New token pair', TokenPairSchema), ...errorResponses(400, 401) },
});
registry.registerPath({
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'End the session (revokes its refresh tokens, clears the cookies)',
  security: bearerAuth,
  responses: { 204: { description: 'Signed out' }, ...errorResponses(401) },
});

export function authRouter(deps: AppDeps): Router {
  const router = Router();

  router.post(
    '/auth/login',
    asyncHandler(async (req, res) => {
      const body = parseBody(LoginBody, req);
      const pair = await login(deps, {
        email: body.email,
        password: body.password,
        ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      });
      setSessionCookies(res, pair);
      res.json(tokenPairBody(pair));
    }),
  );

  router.post(
    '/auth/refresh',
    asyncHandler(async (req, res) => {
      const body = parseBody(RefreshBody, req);
      const fromCookie = !body.refreshToken;
      const presented = body.refreshToken ?? (req.cookies?.[REFRESH_COOKIE] as string | undefined);
      if (!presented) throw unauthenticated('no refresh token');
      try {
        const pair = (await refreshSession(deps, presented)) as TokenPair;
        setSessionCookies(res, pair);
        res.json(tokenPairBody(pair));
      } catch (error) {
        if (fromCookie) clearSessionCookies(res);
        throw error;
      }
    }),
  );

  router.post(
    '/auth/logout',
    requireAuth,
    asyncHandler(async (req, res) => {
      const body = parseBody(LogoutBody, req);
      const user = currentUser(req);
      await logout(deps, {
        userId: user.id,
        sessionId: req.sessionId,
        refreshToken: body.refreshToken ?? (req.cookies?.[REFRESH_COOKIE] as string | undefined),
      });
      clearSessionCookies(res);
      res.status(204).end();
    }),
  );

  return router;
}
