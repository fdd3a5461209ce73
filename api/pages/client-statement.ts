// A client's statement for staff (web/app/routes/ops.clients.$id.statement.tsx), over the same
// service and checks as GET /ops/clients/:id/statement: one statement per asset asked for, or per
// asset of the platform when none is (each with its own running balance), or why the filters in the
// URL cannot make one.
import { canReadClientStatements } from '../../domain/client-statement.js';
import { ASSET_CODES } from '../../domain/money.js';
import { statementHolder, type StatementHolder } from '../../db/statements-client/holder.js';
import type { AppDeps } from '../deps.js';
import { ApiError, forbidden, notFound } from '../errors.js';
import { statementFor, type StatementView } from '../services/client-statement.js';
import { problemsOf } from './client-home.js';
import type { WebUser } from './load-context.js';

/** Lines per asset on a page that shows every asset; one asset alone pages by `cursor`. */
export const LINES_PER_ASSET = 20;
export const LINES_PER_PAGE = 50;

export interface StaffStatementQuery {
  /** One asset code; undefined: every asset. */
  asset?: string;
  from?: string;
  to?: string;
  account?: string;
  cursor?: string;
}

export interface StaffStatementPage {
  holder: StatementHolder;
  /** One per asset shown, in ASSET_CODES order; empty when `problems` says why. */
  statements: StatementView[];
  problems: string[];
}

export function clientStatementWebServices(deps: AppDeps) {
  return {
    statements: async (
      user: WebUser,
      clientId: string,
      { asset, cursor, ...period }: StaffStatementQuery,
    ): Promise<StaffStatementPage> => {
      if (!canReadClientStatements(user.role))
        throw forbidden('client statements are read by operations, administrators and auditors');
      const holder = await statementHolder(deps.pool, clientId.toLowerCase());
      if (!holder) throw notFound('no such client');
      const assets = asset === undefined ? ASSET_CODES : [asset];
      const limit = String(asset === undefined ? LINES_PER_ASSET : LINES_PER_PAGE);
      try {
        const statements = await Promise.all(
          assets.map((code) =>
            statementFor(deps, user, holder.id, {
              ...period,
              asset: code,
              limit,
              // A cursor belongs to one asset's lines: only a one-asset page turns pages.
              cursor: asset === undefined ? undefined : cursor,
            }),
          ),
        );
        return { holder, statements, problems: [] };
      } catch (error) {
        if (error instanceof ApiError && error.status === 400)
          return { holder, statements: [], problems: problemsOf(error) };
        throw error;
      }
    },
  };
}
