// The load context every Remix loader and action receives: the signed-in user and in-process
// services that apply exactly the rules of the JSON API (same functions, same checks).
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { Role } from '../domain/roles.js';
import { formatAmount } from '../domain/money.js';
import { getClientBalances, trialBalance } from '../db/ledger/index.js';
import * as depositService from './services/deposits.js';
import * as taskService from './services/tasks.js';
import type { AppDeps } from './deps.js';
import { webLogin, webLogout } from './auth/web.js';
import { clearSessionCookieHeaders, resolveSession, sessionCookieHeaders } from './auth/session.js';

export interface WebUser {
  id: string;
  email: string;
  role: Role;
}

export interface BalanceView {
  asset: string;
  available: string;
  held: string;
  pending: string;
  pendingSettlement: string;
}

function buildServices(deps: AppDeps, req: ExpressRequest) {
  return {
    login: (email: string, password: string, _meta: { ip: string; userAgent: string; requestId: string }) =>
      webLogin(deps, email, password, { ip: req.ip ?? '' }),
    logout: (cookieHeader: string) => webLogout(deps, cookieHeader),
    deposits: {
      list: (user: WebUser, query: Parameters<typeof depositService.listDeposits>[2]) =>
        depositService.listDeposits(deps, user, query),
      get: (user: WebUser, id: string) => depositService.getDeposit(deps, user, id),
      create: (user: WebUser, body: Parameters<typeof depositService.createDeposit>[2], idempotencyKey: string) =>
        depositService.createDeposit(deps, user, body, idempotencyKey),
      cancel: (user: WebUser, id: string, requestId: string) => depositService.cancelDeposit(deps, user, id, requestId),
      confirm: (user: WebUser, id: string, body: Parameters<typeof depositService.confirmDeposit>[3], requestId: string) =>
        depositService.confirmDeposit(deps, user, id, body, requestId),
      release: (user: WebUser, id: string, body: { note: string }, requestId: string) =>
        depositService.releaseDeposit(deps, user, id, body, requestId),
      extend: (user: WebUser, id: string, body: { until: string; note: string }, requestId: string) =>
        depositService.extendDeposit(deps, user, id, body, requestId),
      reject: (user: WebUser, id: string, body: { reason: string }, requestId: string) =>
        depositService.rejectDeposit(deps, user, id, body, requestId),
    },
    tasks: {
      list: (user: WebUser, query: Parameters<typeof taskService.listTasksFor>[2]) => taskService.listTasksFor(deps, user, query),
      claim: (user: WebUser, id: string) => taskService.claimTaskFor(deps, user, id),
      release: (user: WebUser, id: string) => taskService.releaseTaskFor(deps, user, id),
    },
    async balances(user: WebUser): Promise<BalanceView[]> {
      const rows = await getClientBalances(deps.pool, user.id);
      return rows.map((b) => ({
        asset: b.asset,
        available: formatAmount(b.asset, b.available),
        held: formatAmount(b.asset, b.held),
        pending: formatAmount(b.asset, b.pending),
        pendingSettlement: formatAmount(b.asset, b.pendingSettlement),
      }));
    },
    async trialBalance() {
      const result = await trialBalance(deps.pool);
      return {
        balanced: result.balanced,
        accountsMatchLines: result.accountsMatchLines,
        assets: result.assets.map((a) => ({
          asset: a.asset,
          debits: formatAmount(a.asset, a.debits),
          credits: formatAmount(a.asset, a.credits),
        })),
      };
    },
  };
}

export type WebServices = ReturnType<typeof buildServices>;

/** getLoadContext for @remix-run/express: resolves (and if needed refreshes) the cookie session. */
export async function webLoadContext(deps: AppDeps, req: ExpressRequest, res: ExpressResponse) {
  const session = await resolveSession(deps, { cookies: (req.cookies ?? {}) as Record<string, string | undefined> });
  const setCookies = session.refreshed
    ? sessionCookieHeaders(session.refreshed)
    : session.clearCookies
      ? clearSessionCookieHeaders()
      : [];
  for (const cookie of setCookies) res.append('Set-Cookie', cookie);
  const user: WebUser | null = session.user;
  return { user, services: buildServices(deps, req), requestId: String(res.getHeader('x-request-id') ?? '') };
}
