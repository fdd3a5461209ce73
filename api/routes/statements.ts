// GET /statement(.csv|.pdf) and /ops/clients/:id/statement(.csv|.pdf): the client statement
// (api/services/client-statement.ts) as a JSON page or a whole download.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { statementPdf } from '../documents/statement-pdf.js';
import { asyncHandler } from '../errors.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import { bearerAuth, errorResponses, jsonResponse, registry } from '../openapi.js';
import {
  DownloadQuerySchema,
  OwnDownloadQuerySchema,
  OwnStatementQuerySchema,
  STATEMENT_STAFF_ROLES,
  StatementQuerySchema,
  StatementSchema,
  statementCsv,
  statementDocumentFor,
  statementFilename,
  statementFor,
} from '../services/client-statement.js';
import { idParamsSchema } from '../validate.js';

const tags = ['ledger'];
const WHAT =
  'Every posted journal line on the client’s own accounts of one asset in a period (UTC days), oldest ' +
  'first, with the running balance; the opening balance sums every line before `from`. The balance ' +
  'of `account=all` is available + on AML hold + pending settlement, the total GET /balances shows ' +
  '(available + pending + held + pendingSettlement); pending lines of holds are reservations, not ' +
  'movements, and are left out.';

const download = (type: string, what: string) => ({
  200: {
    description: `${what}, as an attachment (Content-Disposition)`,
    content: { [type]: { schema: z.string() } },
  },
  ...errorResponses(400, 401, 403, 404, 422),
});

const documents = [
  { suffix: '', summary: 'A page of the client statement' },
  { suffix: '.csv', summary: 'The client statement as CSV (the whole period)' },
  { suffix: '.pdf', summary: 'The client statement as PDF (the whole period)' },
] as const;

for (const { suffix, summary } of documents) {
  const responses =
    suffix === ''
      ? { 200: jsonResponse('The statement', StatementSchema), ...errorResponses(400, 401, 403, 404) }
      : download(suffix === '.csv' ? 'text/csv' : 'application/pdf', summary);
  registry.registerPath({
    method: 'get',
    path: `/statement${suffix}`,
    tags,
    summary: `${summary} (clients: their own; staff and auditors: ?clientId=)`,
    description: WHAT,
    security: bearerAuth,
    request: { query: suffix === '' ? OwnStatementQuerySchema : OwnDownloadQuerySchema },
    responses,
  });
  registry.registerPath({
    method: 'get',
    path: `/ops/clients/{id}/statement${suffix}`,
    tags,
    summary: `${summary} of one client (operations, administrators, auditors)`,
    description: `${WHAT} Another role is 403; an id that names no client is 404.`,
    security: bearerAuth,
    request: { params: idParamsSchema, query: suffix === '' ? StatementQuerySchema : DownloadQuerySchema },
    responses,
  });
}

type ClientOf = (req: Request) => string | undefined;

function handlers(deps: AppDeps, clientOf: ClientOf) {
  return {
    json: asyncHandler(async (req: Request, res: Response) => {
      res.json(await statementFor(deps, currentUser(req), clientOf(req), req.query));
    }),
    csv: asyncHandler(async (req: Request, res: Response) => {
      const statement = await statementDocumentFor(deps, currentUser(req), clientOf(req), req.query);
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${statementFilename(statement, 'csv')}"`);
      res.send(statementCsv(statement));
    }),
    pdf: asyncHandler(async (req: Request, res: Response) => {
      const statement = await statementDocumentFor(deps, currentUser(req), clientOf(req), req.query);
      const body = await statementPdf(statement);
      res.status(200);
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', `attachment; filename="${statementFilename(statement, 'pdf')}"`);
      res.send(body);
    }),
  };
}

export function statementsRouter(deps: AppDeps): Router {
  const router = Router();
  const own = handlers(deps, () => undefined);
  router.get('/statement', requireAuth, own.json);
  router.get('/statement.csv', requireAuth, own.csv);
  router.get('/statement.pdf', requireAuth, own.pdf);

  const staff = handlers(deps, (req) => String(req.params.id ?? ''));
  const staffOnly = requireRole(...STATEMENT_STAFF_ROLES);
  router.get('/ops/clients/:id/statement', staffOnly, staff.json);
  router.get('/ops/clients/:id/statement.csv', staffOnly, staff.csv);
  router.get('/ops/clients/:id/statement.pdf', staffOnly, staff.pdf);
  return router;
}
