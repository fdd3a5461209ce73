// What the audit log's URL asks for, for its page and its CSV: the filters (checked, with the
// problems in words), the search text and the sort (an unknown column is a 400 page).
import type { AuditWebServices } from '../../api/pages/audit-log.js';
import { isUuid } from '../../domain/ids.js';
import { searchText } from './list-query.server.js';
import { sortFromUrl } from './staff-list.server.js';

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/;

export function auditLogRequest(request: Request, audit: AuditWebServices) {
  const params = new URL(request.url).searchParams;
  const actorId = params.get('actorId')?.trim() || undefined;
  const action = params.get('action')?.trim() || undefined;
  const subjectId = params.get('subjectId')?.trim() || undefined;
  const problems: string[] = [];
  if (actorId && !isUuid(actorId)) problems.push('Actor id must be a user id (uuid).');
  if (action && !ACTION.test(action)) problems.push('Action looks like "deposit.confirm" or "auth.*".');
  if (subjectId && subjectId.length > 200) problems.push('Subject id is too long.');
  // Every order, the default newest first included, is db/lists' page (one path, one cursor kind).
  const sort = sortFromUrl(request, audit.lists.sortOf);
  return {
    problems,
    sort,
    cursor: params.get('cursor') || undefined,
    query: { actorId, action, subjectId, text: searchText(request), sort },
  };
}
