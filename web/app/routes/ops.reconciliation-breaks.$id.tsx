// /ops/reconciliation-breaks/:id: where an inbox task of a break links (web/app/task-links.ts). A
// statement's break is shown, with its actions, on its reconciliation's page; an internal run's
// difference here, with its own: dismiss with a reason, or (a registry position) adjust with a second
// operator's approval. Plain form posts: they work without JavaScript.
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { formatMoney } from '../amounts.js';
import { ActionMessage } from '../components/ActionMessage.js';
import { BreakActions } from '../components/BreakActions.js';
import { Person } from '../components/Person.js';
import { TemporalUiLink } from '../components/TemporalUiLink.js';
import { StatusBadge } from '../components/Timeline.js';
import { Time } from '../components/Time.js';
import { loadOr404 } from '../not-found.server.js';
import { breakAction } from '../reconciliation-break-actions.server.js';
import { requireUser } from '../session.server.js';
import { temporalUiLink } from '../temporal-ui.server.js';
import { RECONCILIATION_READERS } from './ops.reconciliations._index.js';

export const meta: MetaFunction = () => [{ title: 'Reconciliation break · backoffice · clearhouse' }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const found = await loadOr404(() => context.services.reconciliations.breakPage(user, params.id ?? ''));
  if (found.statementId !== null)
    throw redirect(`/ops/reconciliations/${found.statementId}#break-${found.break.id}`);
  const people = await context.services.people([found.break.resolvedBy, found.break.approvedBy]);
  const temporalUi = temporalUiLink(found.workflowId);
  return { ...found, people, temporalUi, canAct: user.role === 'operations', userId: user.id };
}

export async function action({ context, request }: ActionFunctionArgs) {
  const user = requireUser(context, request, ['operations']);
  const form = await request.formData();
  return (
    breakAction(context.services.reconciliations, user, form, context.requestId) ?? {
      ok: false as const,
      error: 'Unknown action.',
      code: 'validation_failed',
    }
  );
}

export default function InternalBreakPage() {
  const {
    break: b,
    workflowId,
    runStatus,
    runOpen,
    adjustable,
    people,
    canAct,
    userId,
    temporalUi,
  } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const detail = Object.entries(b.detail).filter(([, value]) => value !== null && value !== undefined);
  return (
    <>
      <p>
        <Link to="/ops/tasks?kind=reconciliation.break">← Reconciliation breaks in the inbox</Link>
      </p>
      <h1>
        Internal reconciliation: {b.kind.replaceAll('_', ' ')} {b.asset} <StatusBadge status={b.status} />
      </h1>
      <TemporalUiLink href={temporalUi} />
      <ActionMessage result={result} />
      <section className="card">
        <dl className="kv">
          <dt>Difference</dt>
          <dd data-testid="difference">{formatMoney(b.difference, b.asset)}</dd>
          {detail.map(([key, value]) => (
            <div key={key} style={{ display: 'contents' }}>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
          <dt>Found</dt>
          <dd>
            <Time at={b.createdAt} />
          </dd>
          <dt>Run</dt>
          <dd>
            <Link to={`/audit/workflows/${encodeURIComponent(workflowId)}`}>{workflowId}</Link>
            {runStatus ? (
              <>
                {' '}
                <StatusBadge status={runStatus} />
              </>
            ) : null}
          </dd>
          <dt>Resolution</dt>
          <dd data-testid="resolution">
            {b.resolution ? (
              <>
                {b.resolution}
                {b.note ? `: ${b.note}` : ''}
                {b.resolvedBy ? (
                  <>
                    {' '}
                    by <Person people={people} id={b.resolvedBy} />
                  </>
                ) : null}
                {b.approvedBy ? (
                  <>
                    , approved by <Person people={people} id={b.approvedBy} />
                  </>
                ) : null}
              </>
            ) : (
              '—'
            )}
          </dd>
        </dl>
        {canAct ? (
          <BreakActions b={b} open={runOpen} userId={userId} canMatch={false} canAdjust={adjustable} />
        ) : null}
      </section>
    </>
  );
}
