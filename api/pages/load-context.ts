// The load context every Remix loader and action receives: the signed-in user and in-process
// services that apply exactly the rules of the JSON API (same functions, same checks).
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { Role } from '../../domain/roles.js';
import { balancesFor } from '../services/balances.js';
import { trialBalanceView } from '../services/ledger.js';
import { depositWebServices, taskWebServices } from './deposits.js';
import { auditWebServices } from './audit-log.js';
import { auditWorkflowWebServices } from './audit-workflows.js';
import { kycWebServices } from './kyc.js';
import { bankAccountWebServices } from './bank-accounts.js';
import { withdrawalWebServices } from './withdrawals.js';
import { tradingWebServices } from './trading.js';
import { notificationWebServices } from './notifications.js';
import { certificateTransferWebServices, registryAccountWebServices } from './registry.js';
import { adminWebServices } from './admin.js';
import { settlementWebServices } from './settlements.js';
import { reconciliationWebServices } from './reconciliation.js';
import { peopleByIds } from './people.js';
import { dashboardWebServices } from './dashboards.js';
import { marketMakerWebServices } from './market-makers.js';
import { clientHomeWebServices } from './client-home.js';
import { clientStatementWebServices } from './client-statement.js';
import { twoFactorWebServices } from './two-factor.js';
import type { AppDeps } from '../deps.js';
import { webLogin, webLoginWithCode, webLogout } from './sign-in.js';
import { clearSessionCookieHeaders, resolveSession, sessionCookieHeaders } from '../auth/session.js';

export interface WebUser {
  id: string;
  email: string;
  role: Role;
}

function buildServices(deps: AppDeps, req: ExpressRequest) {
  return {
    login: (email: string, password: string, _meta: { ip: string; userAgent: string; requestId: string }) =>
      webLogin(deps, email, password, { ip: req.ip ?? '' }),
    loginWithCode: (step: string, code: string) => webLoginWithCode(deps, step, code, { ip: req.ip ?? '' }),
    logout: (cookieHeader: string) => webLogout(deps, cookieHeader),
    // One line per feature: its page services (api/pages/<feature>.ts).
    deposits: depositWebServices(deps),
    tasks: taskWebServices(deps),
    audit: auditWebServices(deps),
    auditWorkflows: auditWorkflowWebServices(deps),
    kyc: kycWebServices(deps),
    bankAccounts: bankAccountWebServices(deps),
    withdrawals: withdrawalWebServices(deps),
    trading: tradingWebServices(deps),
    notifications: notificationWebServices(deps),
    registryAccounts: registryAccountWebServices(deps),
    certificateTransfers: certificateTransferWebServices(deps),
    admin: adminWebServices(deps),
    settlements: settlementWebServices(deps),
    reconciliations: reconciliationWebServices(deps),
    dashboards: dashboardWebServices(deps),
    marketMakers: marketMakerWebServices(deps),
    clientHome: clientHomeWebServices(deps),
    clientStatements: clientStatementWebServices(deps),
    twoFactor: twoFactorWebServices(deps),
    people: (ids: readonly (string | null | undefined)[]) => peopleByIds(deps, ids),
    balances: (user: WebUser) => balancesFor(deps, user),
    trialBalance: (user: WebUser) => trialBalanceView(deps, user),
  };
}

export type WebServices = ReturnType<typeof buildServices>;

/**
 * getLoadContext for @remix-run/express: resolves (and if needed refreshes) the cookie session —
 * the same resolveSession as the API, so a signed-out, disabled or revoked session is refused here
 * on the next request too.
 */
export async function webLoadContext(deps: AppDeps, req: ExpressRequest, res: ExpressResponse) {
  const session = await resolveSession(deps, {
    cookies: (req.cookies ?? {}) as Record<string, string | undefined>,
  });
  const setCookies = session.refreshed
    ? sessionCookieHeaders(session.refreshed)
    : session.clearCookies
      ? clearSessionCookieHeaders()
      : [];
  for (const cookie of setCookies) res.append('Set-Cookie', cookie);
  const user: WebUser | null = session.user;
  return {
    user,
    services: buildServices(deps, req),
    requestId: String(res.getHeader('x-request-id') ?? ''),
    /** This answer's CSP nonce (api/pages/mount.ts), for the scripts Remix renders. */
    cspNonce: String(res.locals.cspNonce ?? ''),
  };
}
