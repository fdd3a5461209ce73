import { Router } from 'express';
import { z } from 'zod';
import { InvalidCursorError } from '../../db/lifecycle/cursor.js';
import { listAuditLog } from '../../db/audit/read.js';
import { verifyAuditLog } from '../../db/audit/verify.js';
import { AUDIT_READER_ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { asyncHandler, validationFailed } from '../errors.js';
import { requireRole } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';
import { listQuerySchema, listResponseSchema, parseQuery, textField, uuidSchema } from '../validate.js';

// The tamper-evident audit log of human actions (written through api/audit/log.ts, read by
// db/audit/read.ts, checked by db/audit/verify.ts): auditors and admins only.

export const AuditLogQuery = listQuerySchema.extend({
  actorId: uuidSchema.optional().meta({ description: 'Only actions by this user' }),
  action: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/,
      'an action like "deposit.confirm", or a prefix like "auth.*"',
    )
    .max(100)
    .optional()
    .meta({ description: 'Exact action, or a prefix ending in ".*"', example: 'auth.*' }),
  subjectType: textField({ max: 100, required: true }).optional().meta({ example: 'deposit' }),
  subjectId: textField({ max: 200, required: true })
    .optional()
    .meta({ description: 'Only entries about this subject' }),
});

export const AuditLogEntrySchema = z
  .object({
    id: z.uuid(),
    seq: z.string().meta({ description: 'Position in the chain (1, 2, 3, ... without gaps)', example: '42' }),
    at: z.iso.datetime(),
    actor: z
      .object({ id: z.uuid(), role: z.string(), email: z.string().nullable() })
      .nullable()
      .meta({ description: 'Who acted; null for anonymous events such as a failed sign-in' }),
    action: z.string().meta({ example: 'deposit.confirm' }),
    subject: z.object({ type: z.string(), id: z.string() }).nullable(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    prevHash: z.string().nullable().meta({ description: 'hash of the previous entry (null for the first)' }),
    hash: z.string().meta({ description: 'sha256(prevHash || canonical JSON of this entry), hex' }),
  })
  .meta({ id: 'AuditLogEntry' });

export const AuditLogPageSchema = listResponseSchema(AuditLogEntrySchema).meta({ id: 'AuditLogPage' });

export const AuditVerifySchema = z
  .object({
    valid: z.boolean(),
    entries: z.number().int().meta({ description: 'Entries checked' }),
    firstBrokenId: z.string().nullable().meta({ description: 'The first entry that does not check out' }),
    reason: z
      .enum(['hash', 'link', 'sequence'])
      .nullable()
      .meta({ description: 'hash: contents changed; link: prevHash wrong; sequence: an entry is missing' }),
    head: z.object({ seq: z.string(), hash: z.string() }).nullable().meta({
      description:
        'The last entry that checked out; keep it elsewhere to detect removal of the newest entries',
    }),
  })
  .meta({ id: 'AuditVerifyResult' });

registry.registerPath({
  method: 'get',
  path: '/audit/log',
  tags: ['audit'],
  summary: 'The append-only audit log of human actions, newest first',
  security: bearerAuth,
  request: { query: AuditLogQuery },
  responses: { 200: jsonResponse('A page of entries', AuditLogPageSchema), ...errorResponses(400, 401, 403) },
});
registry.registerPath({
  method: 'get',
  path: '/audit/log/verify',
  tags: ['audit'],
  summary: 'Recomputes the hash chain of the whole audit log',
  security: bearerAuth,
  responses: { 200: jsonResponse('The verification result', AuditVerifySchema), ...errorResponses(401, 403) },
});

export function auditLogRouter(deps: AppDeps): Router {
  const router = Router();
  const auditors = requireRole(...AUDIT_READER_ROLES);

  router.get(
    '/audit/log',
    auditors,
    asyncHandler(async (req, res) => {
      const query = parseQuery(AuditLogQuery, req);
      try {
        const page = await listAuditLog(deps.pool, query);
        res.json(page);
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw validationFailed([{ path: 'cursor', code: 'invalid_cursor', message: error.message }]);
        }
        throw error;
      }
    }),
  );

  router.get(
    '/audit/log/verify',
    auditors,
    asyncHandler(async (_req, res) => {
      const result: z.output<typeof AuditVerifySchema> = await verifyAuditLog(deps.pool);
      res.json(result);
    }),
  );

  return router;
}
