/**
 * The common query of a staff list page: status (a list may default to what is waiting for
 * someone; `?status=` empty shows every status), client filter, search text, cursor, page size.
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

/** The search box's text (`?q=`), trimmed; undefined when empty. */
export function searchText(request: Request): string | undefined {
  return new URL(request.url).searchParams.get('q')?.trim().slice(0, 100) || undefined;
}
