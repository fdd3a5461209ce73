// /ops/api-keys.csv: the API keys as the admin's list shows them, with the filters, search and sort
// in effect, every page of them — the prefix that recognises a key, never the key or its hash
// (neither is in the view the service answers).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { personName, type People } from '../components/Person.js';
import { allPages, csvResponse } from '../csv.server.js';
import { apiKeyListRequest } from '../key-lists.server.js';
import { requireUser } from '../session.server.js';

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = requireUser(context, request, ['admin']);
  const { read } = apiKeyListRequest(request, context.services.marketMakers, user);
  // Each page names its own owners: no lookup ever holds more than a page's.
  const people: People = {};
  const { items } = await allPages(async (cursor) => {
    const page = await read(cursor, 200);
    Object.assign(people, page.people);
    return page;
  });
  return csvResponse(
    'api-keys.csv',
    [
      'id',
      'name',
      'prefix',
      'owner',
      'owner_email',
      'owner_id',
      'scopes',
      'rate_limit_per_minute',
      'status',
      'created_at',
      'last_used_at',
      'expires_at',
      'revoked_at',
    ],
    items.map((k) => [
      k.id,
      k.name,
      k.prefix,
      personName(people, k.ownerId),
      k.ownerEmail,
      k.ownerId,
      k.scopes.join(' '),
      String(k.rateLimitPerMinute),
      k.status,
      k.createdAt,
      k.lastUsedAt ?? '',
      k.expiresAt ?? '',
      k.revokedAt ?? '',
    ]),
  );
}
