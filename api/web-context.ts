// The load context every Remix loader and action receives: the signed-in user and in-process
// services that apply exactly the rules of the JSON API (same functions, same checks).
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { Role } from '../domain/roles.js';
import { formatAmount } from '../domain/money.js';
import { getClientBalances, trialBalance } from '../db/ledger/index.js';
import { depositWebServices, taskWebServices } from './web/deposits.js';
import { auditWebServices } from './audit/web.js';
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
    // One line per feature: its page services (api/web/<feature>.ts).
    deposits: depositWebServices(deps),
    tasks: taskWebServices(deps),
    audit: auditWebServices(deps),
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
