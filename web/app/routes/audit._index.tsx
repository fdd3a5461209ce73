import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Audit · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  return { trialBalance: await context.services.trialBalance(user) };
}

export default function AuditHome() {
  const { trialBalance } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Audit</h1>
      <section className="card">
        <h2>Ledger checks</h2>
        <p>
          Trial balance:{' '}
          <strong className={trialBalance.balanced ? 'ok' : 'error'}>
            {trialBalance.balanced ? 'balanced' : 'NOT balanced'}
          </strong>
          {' · '}
          Account totals match lines:{' '}
          <strong className={trialBalance.accountsMatchLines ? 'ok' : 'error'}>
            {trialBalance.accountsMatchLines ? 'yes' : 'NO'}
          </strong>
        </p>
        <table className="grid">
          <thead>
            <tr>
              <th>Asset</th>
              <th className="num">Debits</th>
              <th className="num">Credits</th>
            </tr>
          </thead>
          <tbody>
            {trialBalance.assets.map((a) => (
              <tr key={a.asset}>
                <th scope="row">{a.asset}</th>
                <td className="num">{a.debits}</td>
                <td className="num">{a.credits}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
