// Registry accounts over HTTP: thin wrappers around api/services/registry-accounts.ts (the pages
// call the same functions), declared with api/routes/lifecycle-routes.ts. The request id
// (X-Request-Id, or a generated one) is the Update id of every action.
import type { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import {
  CreateRegistryAccountBodySchema,
  ListRegistryAccountsQuerySchema,
  RegistryAccountSchema,
  RejectRegistryAccountBodySchema,
  VerifyRegistryAccountBodySchema,
  createRegistryAccount,
  getRegistryAccountFor,
  listRegistryAccountsFor,
  rejectRegistryAccount,
  verifyRegistryAccount,
} from '../services/registry-accounts.js';
import { uuidSchema } from '../validate.js';
import { LifecycleRoutes } from './lifecycle-routes.js';

const idParams = z.object({ id: uuidSchema.meta({ description: 'The registry account id' }) });

const routes = new LifecycleRoutes({
  tags: ['registry accounts'],
  schema: RegistryAccountSchema,
  params: idParams,
})
  .create('/registry-accounts', {
    summary: 'Register a registry account (client)',
    description:
      'EU (Union Registry, EUA): `CC-TTT-NNNNNNN-P-DD`, registry code EU or a member state, account type, ' +
      'number, commitment period, two check digits (checked for shape; the registry confirms the account at ' +
      'verification). CN (CEA): `CN-<code>-<number>`. Starts the verification workflow (a task for operations). ' +
      '400 lists every problem in words.',
    body: CreateRegistryAccountBodySchema,
    responds: 'The registry account, PENDING_VERIFICATION',
    errors: [400, 401, 403, 409, 503],
    run: createRegistryAccount,
  })
  .list('/registry-accounts', {
    summary: 'List registry accounts (clients: their own; staff and auditors: all)',
    query: ListRegistryAccountsQuerySchema,
    responds: 'A page of registry accounts, newest first',
    errors: [400, 401, 403],
    run: listRegistryAccountsFor,
  })
  .read('/registry-accounts/:id', {
    summary: 'One registry account with its timeline (owner, staff, auditor)',
    responds: 'The registry account',
    errors: [401, 404],
    run: getRegistryAccountFor,
  })
  .events('/registry-accounts/:id/events', {
    summary: 'Live updates of one registry account (Server-Sent Events)',
    responds: 'text/event-stream of `state` events',
    errors: [401, 404],
    workflowIdOf: async (deps, user, id) => (await getRegistryAccountFor(deps, user, id)).workflowId,
    read: getRegistryAccountFor,
  })
  .action('post', '/ops/registry-accounts/:id/verify', {
    summary: 'Verify a registry account (operations)',
    description:
      'Asks the registry first: an account it does not know is 422 registry_account_not_found; the registry ' +
      'not answering is 503 (verify again later).',
    body: VerifyRegistryAccountBodySchema,
    responds: 'The registry account: VERIFIED',
    errors: [400, 401, 403, 404, 409, 422, 503],
    run: verifyRegistryAccount,
  })
  .action('post', '/ops/registry-accounts/:id/reject', {
    summary: 'Reject a registry account (operations)',
    body: RejectRegistryAccountBodySchema,
    responds: 'The registry account: REJECTED',
    errors: [400, 401, 403, 404, 409, 503],
    run: rejectRegistryAccount,
  });

export function registryAccountsRouter(deps: AppDeps): Router {
  return routes.router(deps);
}
