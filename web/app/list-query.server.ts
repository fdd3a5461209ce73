/**
 * The common query of a staff list page: status (a list may default to what is waiting for
 * someone; `?status=` empty shows every status), client filter, cursor, page size.
 */
export function listQuery(request: Request, defaultStatus?: string) {
  const params = new URL(request.url).searchParams;
  const status = params.has('status') ? params.get('status') || undefined : defaultStatus;
  return {
    status,
    clientId: params.get('clientId') || undefined,
    cursor: params.get('cursor') || undefined,
    limit: 50,
  };
}
