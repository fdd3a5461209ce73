// Bank accounts over HTTP: thin wrappers around api/services/bank-accounts.ts (the pages call the same
// functions), declared with api/routes/lifecycle-routes.ts. The request id (X-Request-Id, or a
// generated one) is the Update id of every action.
import type { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import {
  BankAccountSchema,
  CreateBankAccountBodySchema,
  ListBankAccountsQuerySchema,
  RejectBankAccountBodySchema,
  VerifyBankAccountBodySchema,
  createBankAccount,
  getBankAccountFor,
  listBankAccountsFor,
  rejectBankAccount,
  removeBankAccountFor,
  verifyBankAccount,
} from '../services/bank-accounts.js';
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The bank account id' }) });
const opsErrors = [400, 401, 403, 404, 409, 503];

const routes = new LifecycleRoutes({ tags: ['bank accounts'], schema: BankAccountSchema, params: idParams })
  .create('/bank-accounts', {
    summary: 'Register a bank account (client)',
    description:
      'IBAN (per-country length and structure, mod-97 check digits) and BIC (format, country) are checked and ' +
      'stored in electronic format; the IBAN, BIC and country must name the same country. Starts the ' +
      'verification workflow (a task for operations). 400 lists every problem in words.',
    body: CreateBankAccountBodySchema,
    responds: 'The bank account, PENDING_VERIFICATION',
    errors: [400, 401, 403, 409, 503],
    run: createBankAccount,
  })
  .list('/bank-accounts', {
    summary: 'List bank accounts (clients: their own; staff and auditors: all)',
    query: ListBankAccountsQuerySchema,
    responds: 'A page of bank accounts, newest first',
    errors: [400, 401, 403],
    run: listBankAccountsFor,
  })
  .read('/bank-accounts/:id', {
    summary: 'One bank account with its timeline (owner, staff, auditor)',
    responds: 'The bank account',
    errors: [401, 404],
    run: getBankAccountFor,
  })
  .events('/bank-accounts/:id/events', {
    summary: 'Live updates of one bank account (Server-Sent Events)',
    responds: 'text/event-stream of `state` events',
    errors: [401, 404],
    workflowIdOf: async (deps, user, id) => (await getBankAccountFor(deps, user, id)).workflowId,
    read: getBankAccountFor,
  })
  .action('delete', '/bank-accounts/:id', {
    summary: 'Remove a bank account (owner)',
    description: 'Marks it REMOVED. 409 while a withdrawal to it is in flight.',
    responds: 'The bank account, REMOVED',
    errors: [401, 403, 404, 409, 503],
    run: removeBankAccountFor,
  })
  .action('post', '/ops/bank-accounts/:id/verify', {
    summary: 'Verify a bank account (operations)',
    body: VerifyBankAccountBodySchema,
    responds: 'The bank account: VERIFIED',
    errors: opsErrors,
    run: verifyBankAccount,
  })
  .action('post', '/ops/bank-accounts/:id/reject', {
    summary: 'Reject a bank account (operations)',
    body: RejectBankAccountBodySchema,
    responds: 'The bank account: REJECTED',
    errors: opsErrors,
    run: rejectBankAccount,
  });

export function bankAccountsRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
