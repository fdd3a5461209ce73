import { Form, Link, useSearchParams } from '@remix-run/react';

/**
 * The filter bar of a staff list: search, a status select and, where the list has one, a client
 * filter. A plain GET form, so every filter lives in the URL (bookmark, share, back button).
 */
export function ListFilters({
  statuses,
  status,
  clientFilter = true,
  searchLabel = 'Search (reference, email, IBAN or id)',
}: {
  /** The statuses to filter by; none: the list has no status filter. */
  statuses: readonly string[];
  /** The status in effect (a list may default to what is waiting for someone). */
  status: string;
  clientFilter?: boolean;
  /** Label of the search box; null for a list without search. */
  searchLabel?: string | null;
}) {
  const [params] = useSearchParams();
  return (
    <Form method="get" className="row card" role="search">
      {searchLabel ? (
        <label>
          {searchLabel}
          <input name="q" type="search" defaultValue={params.get('q') ?? ''} maxLength={100} />
        </label>
      ) : null}
      {statuses.length > 0 ? (
        <label>
          Status
          <select name="status" defaultValue={status}>
            <option value="">All</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s.replaceAll('_', ' ').toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {clientFilter ? (
        <label>
          Client id
          <input name="clientId" defaultValue={params.get('clientId') ?? ''} />
        </label>
      ) : null}
      <button type="submit" className="secondary">
        Filter
      </button>
    </Form>
  );
}

/** Counts per status as links that filter the list (Stripe's tabs above a table). */
export function StatusCounts({
  statuses,
  counts,
  status,
  param = 'status',
  label = 'Counts per status',
}: {
  statuses: readonly string[];
  counts: Record<string, number>;
  status: string;
  /** The URL parameter the links set (a list may count by another field: `role`). */
  param?: string;
  label?: string;
}) {
  const [params] = useSearchParams();
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const linkTo = (value: string) => {
    const next = new URLSearchParams(params);
    next.set(param, value);
    next.delete('cursor');
    return `?${next}`;
  };
  return (
    <nav className="status-counts" aria-label={label}>
      <Link to={linkTo('')} aria-current={status === '' ? 'page' : undefined}>
        All <span className="count">{total.toLocaleString('en')}</span>
      </Link>
      {statuses.map((s) => (
        <Link key={s} to={linkTo(s)} aria-current={status === s ? 'page' : undefined} data-status={s}>
          {s.replaceAll('_', ' ').toLowerCase()}{' '}
          <span className="count">{(counts[s] ?? 0).toLocaleString('en')}</span>
        </Link>
      ))}
    </nav>
  );
}

/** The list's rows as CSV, with the filters in effect (the `.csv` resource route next to the list). */
export function CsvExportLink({ path, label = 'Download CSV' }: { path: string; label?: string }) {
  const [params] = useSearchParams();
  const next = new URLSearchParams(params);
  next.delete('cursor');
  const query = next.toString();
  return (
    <a className="button secondary" href={query ? `${path}?${query}` : path} download>
      {label}
    </a>
  );
}

/** A link to the next page that keeps every filter of the current one, and one back to the first. */
export function NextPageLink({ cursor, status }: { cursor: string | null; status?: string }) {
  const [params] = useSearchParams();
  const first = new URLSearchParams(params);
  first.delete('cursor');
  const onLaterPage = params.has('cursor');
  if (!cursor && !onLaterPage) return null;
  const next = new URLSearchParams(params);
  if (status !== undefined) next.set('status', status);
  if (cursor) next.set('cursor', cursor);
  return (
    <nav className="row pager" aria-label="Pages">
      {onLaterPage ? <Link to={`?${first}`}>← First page</Link> : null}
      {cursor ? <Link to={`?${next}`}>Next page →</Link> : null}
    </nav>
  );
}

/**
 * A column header that sorts the list: a plain link (works without JavaScript) to the same URL with
 * `sort` and `dir` set and the cursor dropped (a cursor belongs to one order). The sorted column says
 * so to assistive technology (aria-sort); clicking it again reverses the direction.
 */
export function SortHeader({
  column,
  label,
  sort,
  numeric = false,
  firstDir = 'asc',
}: {
  column: string;
  label: string;
  /** The sort in effect. */
  sort: { column: string; dir: 'asc' | 'desc' };
  /** Amounts: aligned right like their cells. */
  numeric?: boolean;
  /** The direction of the first click (times and amounts read best largest first). */
  firstDir?: 'asc' | 'desc';
}) {
  const [params] = useSearchParams();
  const active = sort.column === column;
  const next = new URLSearchParams(params);
  next.set('sort', column);
  next.set('dir', active ? (sort.dir === 'asc' ? 'desc' : 'asc') : firstDir);
  next.delete('cursor');
  return (
    <th
      scope="col"
      className={numeric ? 'num' : undefined}
      aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <Link to={`?${next}`} className="sort" data-sort={column}>
        {label}
        {active ? <span aria-hidden="true">{sort.dir === 'asc' ? ' ▲' : ' ▼'}</span> : null}
      </Link>
    </th>
  );
}

/** The top of a staff list: its title with the CSV download, the counts per status and the filters. */
export function ListHeader({
  title,
  csvPath,
  statuses,
  counts,
  status,
  searchLabel,
  clientFilter,
}: {
  title: string;
  csvPath: string;
  statuses: readonly string[];
  counts: Record<string, number>;
  status: string;
  searchLabel?: string;
  clientFilter?: boolean;
}) {
  return (
    <>
      <div className="row between">
        <h1>{title}</h1>
        <CsvExportLink path={csvPath} />
      </div>
      <StatusCounts statuses={statuses} counts={counts} status={status} />
      <ListFilters
        statuses={statuses}
        status={status}
        searchLabel={searchLabel}
        clientFilter={clientFilter}
      />
    </>
  );
}
