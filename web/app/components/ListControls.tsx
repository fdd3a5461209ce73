import { Form, Link, useSearchParams } from '@remix-run/react';

/** The filter bar of a staff list: a status select and, where the list has one, a client filter. */
export function ListFilters({
  statuses,
  status,
  clientFilter = true,
}: {
  statuses: readonly string[];
  /** The status in effect (a list may default to what is waiting for someone). */
  status: string;
  clientFilter?: boolean;
}) {
  const [params] = useSearchParams();
  return (
    <Form method="get" className="row card">
      <label>
        Status
        <select name="status" defaultValue={status}>
          <option value="">All</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
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

/** A link to the next page that keeps every filter of the current one. */
export function NextPageLink({ cursor, status }: { cursor: string | null; status?: string }) {
  const [params] = useSearchParams();
  if (!cursor) return null;
  const next = new URLSearchParams(params);
  if (status !== undefined) next.set('status', status);
  next.set('cursor', cursor);
  return (
    <p>
      <Link to={`?${next}`}>Next page →</Link>
    </p>
  );
}
