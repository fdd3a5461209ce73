import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { requireUser } from '../session.server.js';

export const meta: MetaFunction = () => [{ title: 'Balances · clearhouse' }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['client']);
  return { balances: await context.services.balances(user) };
}

export default function Balances() {
  const { balances } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Balances</h1>
      {balances.length === 0 ? (
        <p className="muted">No balances yet. Announce a deposit to fund your account.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Asset</th>
              <th className="num">Available</th>
              <th className="num">Held (AML)</th>
              <th className="num">Reserved</th>
              <th className="num">Pending settlement</th>
            </tr>
          </thead>
          <tbody>
            {balances.map((b) => (
              <tr key={b.asset} data-asset={b.asset}>
                <th scope="row">{b.asset}</th>
                <td className="num" data-field="available">
                  {b.available} {b.asset}
                </td>
                <td className="num" data-field="held">
                  {b.held} {b.asset}
                </td>
                <td className="num">
                  {b.pending} {b.asset}
                </td>
                <td className="num">
                  {b.pendingSettlement} {b.asset}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
