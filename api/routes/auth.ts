import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import { REFRESH_COOKIE, clearSessionCookies, setSessionCookies } from '../auth/session.js';
import { login, logout, refreshSession, type TokenPair } from '../auth/service.js';
import { confirmPasswordReset, requestPasswordReset } from '../auth/password-reset.js';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../auth/two-factor.js';
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
    totpCode: textField({ max: 64 })
      .optional()
      .meta({ description: 'Staff with two-factor sign-in: the app’s six digits, or a recovery code' }),
  })
  .meta({ id: 'LoginRequest' });

export const PasswordResetBody = z
  .object({ email: textField({ max: 320, required: true }).meta({ example: 'client@example.com' }) })
  .meta({ id: 'PasswordResetRequest' });

export const PasswordResetConfirmBody = z
  .object({
    token: textField({ max: 200, required: true, trim: false }).meta({
      description: 'From the link in the mail',
    }),
    password: textField({ max: 1024, required: true, trim: false }).meta({
      description: 'At least 12 characters',
    }),
  })
  .meta({ id: 'PasswordResetConfirm' });

export const TotpCodeBody = z
  .object({ code: textField({ max: 16, required: true }).meta({ example: '123456' }) })
  .meta({ id: 'TotpCode' });

const TotpEnrolmentSchema = z
  .object({
    secret: z.string().meta({ description: 'Base32, for typing into the app by hand' }),
    otpauthUri: z.string(),
    qrSvg: z.string().meta({ description: 'The QR code of otpauthUri (SVG)' }),
  })
  .meta({ id: 'TotpEnrolment' });

const RecoveryCodesSchema = z
  .object({ recoveryCodes: z.array(z.string()).meta({ description: 'Shown once; each works once' }) })
  .meta({ id: 'RecoveryCodes' });

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
  responses: { 200: jsonResponse('Signed in', TokenPairSchema), ...errorResponses(400, 401, 403, 429) },
});
registry.registerPath({
  method: 'post',
  path: '/auth/password-reset',
  tags: ['auth'],
  summary: 'Ask for a password-reset link by email (202 whether or not the email is known)',
  request: { body: jsonBody(PasswordResetBody) },
  responses: { 202: { description: 'Accepted' }, ...errorResponses(400) },
});
registry.registerPath({
  method: 'post',
  path: '/auth/password-reset/confirm',
  tags: ['auth'],
  summary: 'Set a new password with the token of a reset or invitation link (ends every session)',
  request: { body: jsonBody(PasswordResetConfirmBody) },
  responses: { 204: { description: 'Password set' }, ...errorResponses(400) },
});
registry.registerPath({
  method: 'post',
  path: '/auth/totp/enrol',
  tags: ['auth'],
  summary: 'Staff: start two-factor enrolment (a new secret and its QR code)',
  security: bearerAuth,
  responses: { 200: jsonResponse('The secret', TotpEnrolmentSchema), ...errorResponses(401, 403, 409) },
});
registry.registerPath({
  method: 'post',
  path: '/auth/totp/confirm',
  tags: ['auth'],
  summary: 'Staff: confirm enrolment with a first code; answers the recovery codes once',
  security: bearerAuth,
  request: { body: jsonBody(TotpCodeBody) },
  responses: { 200: jsonResponse('Enabled', RecoveryCodesSchema), ...errorResponses(400, 401, 409) },
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
        totpCode: body.totpCode ?? null,
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

  router.post(
    '/auth/password-reset',
    asyncHandler(async (req, res) => {
      const body = parseBody(PasswordResetBody, req);
      await requestPasswordReset(deps, body.email);
      res.status(202).end();
    }),
  );

  router.post(
    '/auth/password-reset/confirm',
    asyncHandler(async (req, res) => {
      const body = parseBody(PasswordResetConfirmBody, req);
      await confirmPasswordReset(deps, body);
      res.status(204).end();
    }),
  );

  router.post(
    '/auth/totp/enrol',
    requireAuth,
    asyncHandler(async (req, res) => {
      res.json(await beginTotpEnrolment(deps, currentUser(req)));
    }),
  );

  router.post(
    '/auth/totp/confirm',
    requireAuth,
    asyncHandler(async (req, res) => {
      const body = parseBody(TotpCodeBody, req);
      res.json(await confirmTotpEnrolment(deps, currentUser(req), body.code));
    }),
  );

  return router;
}
