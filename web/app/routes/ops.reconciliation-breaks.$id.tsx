// /ops/reconciliation-breaks/:id: where an inbox task of a break links (web/app/task-links.ts);
// the break is shown, with its actions, on its reconciliation's page.
import { redirect, type LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '../session.server.js';
import { loadOr404 } from '../not-found.server.js';
import { RECONCILIATION_READERS } from './ops.reconciliations._index.js';

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const found = await loadOr404(() => context.services.reconciliations.breakOf(user, params.id ?? ''));
  return redirect(`/ops/reconciliations/${found.statementId}#break-${found.id}`);
}
