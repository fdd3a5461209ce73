import { Form, NavLink } from '@remix-run/react';
import { AUDIT_READER_ROLES, STAFF_ROLES, type Role } from '../../../domain/roles.js';
import type { WebUser } from '../context.js';
import { NotificationBell, notificationsPathFor } from './NotificationBell.js';

interface NavItem {
  to: string;
  label: string;
  roles: readonly Role[];
}

// One navigation for everyone; each person sees the areas their role may enter.
const NAV: NavItem[] = [
  { to: '/app/balances', label: 'Balances', roles: ['client'] },
  { to: '/app/statement', label: 'Statement', roles: ['client'] },
  { to: '/app/deposits', label: 'Deposits', roles: ['client'] },
  { to: '/app/kyc', label: 'KYC', roles: ['client'] },
  { to: '/app/bank-accounts', label: 'Bank accounts', roles: ['client'] },
  { to: '/app/withdrawals', label: 'Withdrawals', roles: ['client'] },
  { to: '/app/registry-accounts', label: 'Registry accounts', roles: ['client'] },
  { to: '/app/certificate-transfers', label: 'Certificate transfers', roles: ['client'] },
  { to: '/app/trade', label: 'Trade', roles: ['client'] },
  { to: '/app/orders', label: 'My orders', roles: ['client'] },
  { to: '/app/trades', label: 'Trades', roles: ['client'] },
  { to: '/app/settlements', label: 'Settlements', roles: ['client'] },
  { to: '/app/portfolio', label: 'Portfolio', roles: ['client'] },
  { to: '/app/webhooks', label: 'Webhooks', roles: ['client'] },
  { to: '/ops/dashboard', label: 'Dashboard', roles: ['operations', 'aml_officer', 'admin', 'auditor'] },
  { to: '/ops/tasks', label: 'Task inbox', roles: ['operations', 'aml_officer', 'admin'] },
  { to: '/ops/deposits', label: 'Deposits', roles: ['operations', 'aml_officer', 'admin', 'auditor'] },
  { to: '/ops/kyc', label: 'KYC reviews', roles: ['operations', 'aml_officer', 'admin', 'auditor'] },
  {
    to: '/ops/bank-accounts',
    label: 'Bank accounts',
    roles: ['operations', 'aml_officer', 'admin', 'auditor'],
  },
  { to: '/ops/withdrawals', label: 'Withdrawals', roles: ['operations', 'admin', 'auditor'] },
  { to: '/ops/registry-accounts', label: 'Registry accounts', roles: ['operations', 'admin', 'auditor'] },
  {
    to: '/ops/certificate-transfers',
    label: 'Certificate transfers',
    roles: ['operations', 'admin', 'auditor'],
  },
  { to: '/ops/orders', label: 'Orders', roles: ['operations', 'aml_officer', 'admin', 'auditor'] },
  {
    to: '/ops/settlement-batches',
    label: 'Settlement',
    roles: ['operations', 'aml_officer', 'admin', 'auditor'],
  },
  {
    to: '/ops/reconciliations',
    label: 'Reconciliation',
    roles: ['operations', 'aml_officer', 'admin', 'auditor'],
  },
  { to: '/ops/instruments', label: 'Instruments', roles: ['operations', 'aml_officer', 'admin', 'auditor'] },
  {
    to: '/ops/market-makers',
    label: 'Market makers',
    roles: ['operations', 'aml_officer', 'admin', 'auditor'],
  },
  { to: '/ops/api-keys', label: 'API keys', roles: ['admin'] },
  { to: '/admin/users', label: 'Users', roles: ['admin'] },
  { to: '/admin/policies', label: 'Policies', roles: ['operations', 'aml_officer', 'admin', 'auditor'] },
  { to: '/audit', label: 'Audit', roles: AUDIT_READER_ROLES },
  { to: '/audit/workflows', label: 'Workflows', roles: AUDIT_READER_ROLES },
  { to: '/audit/log', label: 'Audit log', roles: AUDIT_READER_ROLES },
  { to: '/ops/two-factor', label: 'Two-factor sign-in', roles: STAFF_ROLES },
];

const AREA: Record<Role, string> = {
  client: 'Client portal',
  operations: 'Backoffice',
  aml_officer: 'Backoffice',
  admin: 'Backoffice',
  auditor: 'Audit',
};

export function Shell({
  user,
  unread = 0,
  tasks = null,
  children,
}: {
  user: WebUser;
  /** The inbox counts (open + claimed, overdue) as the backoffice layout's loader read them. */
  tasks?: { open: number; claimed: number; overdue: number } | null;
  /** The bell's count as the layout's loader read it. */
  unread?: number;
  children: React.ReactNode;
}) {
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/">
          clearhouse
        </a>
        <span className="area">{AREA[user.role]}</span>
        <nav aria-label="Main">
          {NAV.filter((item) => item.roles.includes(user.role)).map((item) => (
            <NavLink key={item.to} to={item.to} prefetch="intent">
              {item.label}
              {item.to === '/ops/tasks' && tasks ? <InboxCount tasks={tasks} /> : null}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          <NotificationBell unread={unread} href={notificationsPathFor(user.role)} />
          <span title={user.role}>
            {user.email} · {user.role}
          </span>
          <Form method="post" action="/logout">
            <button type="submit" className="link">
              Sign out
            </button>
          </Form>
        </div>
      </header>
      <main className="page">{children}</main>
    </div>
  );
}

/** The inbox's size beside its link, red with the overdue count when anything is late. */
function InboxCount({ tasks }: { tasks: { open: number; claimed: number; overdue: number } }) {
  const live = tasks.open + tasks.claimed;
  return (
    <>
      <span className="nav-count" data-testid="inbox-count" aria-label={`${live} tasks`}>
        {live}
      </span>
      {tasks.overdue > 0 ? (
        <span
          className="nav-count overdue"
          data-testid="inbox-overdue"
          aria-label={`${tasks.overdue} overdue`}
        >
          {tasks.overdue} late
        </span>
      ) : null}
    </>
  );
}
