// One read for every lifecycle staff list page and its CSV: status, client filter, search text and
// sort from the URL. Without a sort or a search it is the API's own newest-first page; with either
// it is db/lists' page in that order (keyset cursor along the sort). A column the list cannot sort
// by, a direction other than asc/desc, or a cursor another list issued answers 400 with the reason.
import type { Sort } from '../../db/lists/sorting.js';
import type { StaffListQuery } from '../../api/pages/staff-lists.js';
import { ApiError } from '../../api/errors.js';
import { allPages } from './csv.server.js';
import { listQuery, searchText } from './list-query.server.js';

interface ListReaders<V, U> {
  /** The API's list (newest first, its own cursor). */
  list: (
    user: U,
    query: { status?: string; clientId?: string; cursor?: string; limit?: number },
  ) => Promise<{
    items: V[];
    nextCursor: string | null;
  }>;
  lists: {
    sortOf: (column?: string | null, dir?: string | null) => Sort;
    page: (user: U, query: StaffListQuery) => Promise<{ items: V[]; nextCursor: string | null }>;
  };
}

/**
 * By name, not instanceof: the page build bundles its own copy of db/lists while the services the
 * server hands the loaders throw from the server's copy.
 */
function isNamed(error: unknown, name: string): error is Error {
  return error instanceof Error && error.name === name;
}

/** A 400 page that says what was wrong with the list's URL. */
export function badListRequest(message: string): Response {
  return new Response(message, { status: 400, statusText: message.slice(0, 120) });
}

/** The sort the URL asks for (`?sort=&dir=`), or a thrown 400 page naming the sortable columns. */
export function sortFromUrl(
  request: Request,
  sortOf: (column?: string | null, dir?: string | null) => Sort,
): Sort {
  const params = new URL(request.url).searchParams;
  try {
    return sortOf(params.get('sort'), params.get('dir'));
  } catch (error) {
    if (isNamed(error, 'UnknownSortError')) throw badListRequest(error.message);
    throw error;
  }
}

/** A list read whose cursor may be one another list (or sort) issued: 400, not 500. */
export async function readList<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isNamed(error, 'InvalidCursorError'))
      throw badListRequest('This page link is not valid for this list.');
    if (error instanceof ApiError && error.status === 400) throw badListRequest(error.message);
    throw error;
  }
}

export interface StaffListOptions {
  /** The status shown when the URL names none (`?status=` empty shows every status). */
  defaultStatus?: string;
  /** Reviews are one per client: their list has no client filter. */
  clientFilter?: boolean;
}

/** What the URL asks of a list: its filters, search text and sort, and whether db/lists must order it. */
function listRequest<V, U>(request: Request, readers: ListReaders<V, U>, options: StaffListOptions) {
  const query = listQuery(request, options.defaultStatus);
  if (options.clientFilter === false) delete query.clientId;
  const text = searchText(request);
  const sort = sortFromUrl(request, readers.lists.sortOf);
  const ordered = text !== undefined || new URL(request.url).searchParams.has('sort');
  const read = (user: U, cursor: string | undefined, limit: number) =>
    readList(() =>
      ordered
        ? readers.lists.page(user, { ...query, text, sort, cursor, limit })
        : readers.list(user, { ...query, cursor, limit }),
    );
  return { query, text, sort, read };
}

/** The page the URL asks for, with the filters and the sort in effect (for the headers and links). */
export async function staffListPage<V, U>(
  request: Request,
  user: U,
  readers: ListReaders<V, U>,
  options: StaffListOptions = {},
) {
  const { query, text, sort, read } = listRequest(request, readers, options);
  const page = await read(user, query.cursor, query.limit);
  return { page, sort, status: query.status ?? '', searching: text !== undefined };
}

/** Every row of the list the URL describes (the CSV next to a list page), in the page's order. */
export async function staffListRows<V, U>(
  request: Request,
  user: U,
  readers: ListReaders<V, U>,
  options: StaffListOptions = {},
): Promise<V[]> {
  const { read } = listRequest(request, readers, options);
  const { items } = await allPages((cursor) => read(user, cursor, 200));
  return items;
}
