// /audit/log.csv: the audit log with the filters, search and sort in effect, every page of it.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { AUDIT_READER_ROLES } from '../../../domain/roles.js';
import { auditLogRequest } from '../audit-log.server.js';
import { allPages, csvResponse } from '../csv.server.js';
import { requireUser } from '../session.server.js';
import { badListRequest, readList } from '../staff-list.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, AUDIT_READER_ROLES);
  const audit = context.services.audit;
  const { problems, query } = auditLogRequest(request, audit);
  if (problems.length > 0) throw badListRequest(problems.join(' '));
  const { items } = await allPages((cursor) =>
    readList(() => audit.lists.page(user, { ...query, cursor, limit: 200 })),
  );
  return csvResponse(
    'audit-log.csv',
    ['seq', 'at', 'actor_email', 'actor_role', 'action', 'subject_type', 'subject_id', 'request_id', 'hash'],
    items.map((e) => [
      e.seq,
      e.at,
      e.actor?.email ?? '',
      e.actor?.role ?? '',
      e.action,
      e.subject?.type ?? '',
      e.subject?.id ?? '',
      e.requestId ?? '',
      e.hash,
    ]),
  );
}
