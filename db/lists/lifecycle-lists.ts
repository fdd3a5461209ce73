// What the staff lists need beyond the API's newest-first page: how many of a lifecycle type are
// in each status (the counts above a list), which ones a search text finds (reference, id, the
// owner's email or name, an IBAN in the lifecycle's or its bank account's attributes or, for a
// reconciliation, its statement's account or statement id), and a page in the order the viewer
// picked, keyset-paged along that order. Read-only.
import type pg from 'pg';
import { isUuid } from '../../domain/ids.js';
import type { Page } from '../lifecycle/cursor.js';
import {
  instantKey,
  likePattern,
  parseSort,
  selectSortedPage,
  textKey as text,
  type Sort,
  type SortColumn,
  type SortSpec,
} from './sorting.js';

export const MAX_SEARCH_RESULTS = 100;
const MAX_SEARCH_TEXT = 100;

/** Lifecycles of `type` per status, every status that has one. */
export async function statusCounts(pool: pg.Pool, type: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM lifecycle WHERE type = $1 GROUP BY status',
    [type],
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

// ---- sortable columns per lifecycle type ------------------------------------------------------------

/** Amounts (decimal strings) and counts in the attributes; a missing one sorts below every amount. */
const amount = (key: string): SortColumn => ({
  sql: `coalesce((l.attributes->>'${key}')::numeric, -1)`,
  type: 'numeric',
});

/** Every lifecycle list sorts by these: when it began and last changed, its status, its client. */
const COMMON = {
  created: { sql: 'l.created_at', type: 'timestamptz' },
  updated: { sql: 'l.updated_at', type: 'timestamptz' },
  status: { sql: 'l.status', type: 'text' },
  client: text('lower(u.email)'),
} as const satisfies Record<string, SortColumn>;

function lifecycleSort<C extends string>(type: string, extra: Record<C, SortColumn>, initial = 'created') {
  return {
    list: `lifecycle-${type}`,
    columns: { ...COMMON, ...extra },
    tieBreak: 'l.workflow_id',
    default: { column: initial as C | keyof typeof COMMON, dir: 'desc' },
  } satisfies SortSpec<C | keyof typeof COMMON>;
}

/**
 * A reconciliation's statement and breaks live in reconciliation's own tables, keyed by the
 * lifecycle's business id (a uuid). The CASE keeps the uuid cast to reconciliation rows: PostgreSQL
 * does not promise the order of a WHERE's conditions, and another type's business id may be no uuid.
 */
const RECONCILIATION_STATEMENT_ID = "CASE WHEN l.type = 'reconciliation' THEN l.business_id::uuid END";

/** Open breaks (open or waiting for approval) counted as the list shows them, not as last recorded. */
const OPEN_BREAKS: SortColumn = {
  sql: `(SELECT count(*) FROM recon_break rb
          WHERE rb.statement_id = ${RECONCILIATION_STATEMENT_ID} AND rb.status IN ('OPEN', 'PENDING_APPROVAL'))`,
  type: 'numeric',
};

/**
 * What else a search finds in a list, beyond the common fields: a reconciliation by its statement's
 * account (an IBAN, spaces ignored) or the bank's statement id. `pattern` and `compact` are the
 * placeholders of the bound LIKE patterns.
 */
const EXTRA_SEARCH: Readonly<Record<string, (pattern: string, compact: string) => string>> = {
  reconciliation: (pattern, compact) => `EXISTS (SELECT 1 FROM recon_statement s
             WHERE s.id = ${RECONCILIATION_STATEMENT_ID}
               AND (coalesce(s.account_ref, '') ILIKE ${compact} OR coalesce(s.statement_ref, '') ILIKE ${pattern}))`,
};

/**
 * The whitelist of each staff list: the URL's `sort` picks one of these names, never SQL. Keys not
 * named here (JSON paths, joins) cannot be asked for.
 */
export const LIFECYCLE_SORTS = {
  deposit: lifecycleSort('deposit', {
    amount: amount('amount'),
    received: amount('receivedAmount'),
    reference: text("l.attributes->>'reference'"),
  }),
  withdrawal: lifecycleSort('withdrawal', {
    amount: amount('amount'),
    iban: text("l.attributes->'bankAccount'->>'iban'"),
  }),
  bank_account: lifecycleSort('bank_account', {
    iban: text("l.attributes->>'iban'"),
    bic: text("l.attributes->>'bic'"),
    holder: text("lower(l.attributes->>'accountName')"),
  }),
  registry_account: lifecycleSort('registry_account', {
    registry: text("l.attributes->>'registry'"),
    account: text("l.attributes->>'accountId'"),
    holder: text("lower(l.attributes->>'holderName')"),
  }),
  certificate_transfer: lifecycleSort('certificate_transfer', {
    direction: text("l.attributes->>'direction'"),
    quantity: amount('quantity'),
    reference: text("l.attributes->>'reference'"),
  }),
  kyc: lifecycleSort(
    'kyc',
    {
      submitted: instantKey("l.attributes->'submission'->>'submittedAt'"),
      expires: instantKey("l.attributes->>'expiresAt'"),
      cycle: { sql: "coalesce((l.attributes->'submission'->>'cycle')::numeric, -1)", type: 'numeric' },
    },
    'updated',
  ),
  client_settlement: lifecycleSort('client_settlement', {
    cutoff: instantKey("l.attributes->>'cutoff'"),
  }),
  settlement_batch: lifecycleSort('settlement_batch', {
    cutoff: instantKey("l.attributes->>'cutoff'"),
  }),
  // A reconciliation has no client: its columns are its own (lifecycleSort would offer one).
  reconciliation: {
    list: 'lifecycle-reconciliation',
    columns: {
      created: COMMON.created,
      updated: COMMON.updated,
      status: COMMON.status,
      account: text("l.attributes->>'accountCode'"),
      // ISO dates: their text sorts as the days do.
      period: text("l.attributes->>'from'"),
      lines: amount('lines'),
      breaks: OPEN_BREAKS,
    },
    tieBreak: 'l.workflow_id',
    default: { column: 'created', dir: 'desc' },
  } satisfies SortSpec<'created' | 'updated' | 'status' | 'account' | 'period' | 'lines' | 'breaks'>,
  order: lifecycleSort('order', {
    symbol: text("l.attributes->>'symbol'"),
    side: text("l.attributes->>'side'"),
    quantity: amount('quantity'),
    // A market order has no limit: it sorts below every priced one.
    price: amount('price'),
    filled: amount('filledQuantity'),
  }),
} as const;

export type SortedLifecycleType = keyof typeof LIFECYCLE_SORTS;

export function lifecycleSortSpec(type: string): SortSpec {
  if (!Object.hasOwn(LIFECYCLE_SORTS, type)) throw new Error(`no sort whitelist for lifecycle type ${type}`);
  return LIFECYCLE_SORTS[type as SortedLifecycleType] as SortSpec;
}

/** The sort a staff list's URL asks for (UnknownSortError for a column its whitelist lacks). */
export function lifecycleSortOf(type: string, column?: string | null, dir?: string | null): Sort {
  return parseSort(lifecycleSortSpec(type), column, dir);
}

export interface FindLifecyclesInput {
  type: string;
  /** Search text (see searchLifecycles); none: every lifecycle of the type. */
  text?: string;
  status?: string;
  /** One client's (staff filter); not a uuid: nothing. */
  ownerId?: string;
  /**
   * Attributes that must equal these texts (the blotter's symbol and side). The key travels as a
   * bound parameter like the value, so a key from the URL never becomes SQL.
   */
  attributes?: Readonly<Record<string, string>>;
  sort?: Sort;
  cursor?: string | null;
  /** 1..200, default 50. */
  limit?: number;
}

/**
 * A page of business ids of `type` in the order `sort` names (the type's whitelist; default: its
 * newest first), the id breaking ties, keyset-paged: the cursor holds the last row's key and id, so
 * rows added or changed meanwhile never make a page repeat or skip one that kept its key.
 * Throws UnknownSortError and InvalidCursorError.
 */
export async function findLifecycles(
  pool: pg.Pool,
  input: FindLifecyclesInput,
): Promise<Page<{ businessId: string; workflowId: string }>> {
  const spec = lifecycleSortSpec(input.type);
  if (input.ownerId !== undefined && !isUuid(input.ownerId)) return { items: [], nextCursor: null };
  const page = await selectSortedPage<{ business_id: string; workflow_id: string }>(pool, spec, input, {
    select: 'l.business_id, l.workflow_id',
    from: `lifecycle l
       LEFT JOIN app_user u ON u.id = l.owner_id
       LEFT JOIN lifecycle b ON b.type = 'bank_account' AND b.business_id = l.attributes->>'bankAccountId'`,
    conditions: (param) => {
      const conditions = [`l.type = ${param(input.type)}`];
      if (input.status) conditions.push(`l.status = ${param(input.status)}`);
      if (input.ownerId !== undefined)
        conditions.push(`l.owner_id = ${param(input.ownerId.toLowerCase())}::uuid`);
      for (const [key, value] of Object.entries(input.attributes ?? {}))
        conditions.push(`l.attributes->>${param(key)} = ${param(value)}`);
      const search = input.text?.trim().slice(0, MAX_SEARCH_TEXT) ?? '';
      if (search !== '') conditions.push(searchCondition(input.type, search, param));
      return conditions;
    },
  });
  return {
    items: page.rows.map((row) => ({ businessId: row.business_id, workflowId: row.workflow_id })),
    nextCursor: page.nextCursor,
  };
}

/** The search text as one condition: an exact id, or the text in what findLifecycles joins. */
function searchCondition(type: string, search: string, param: (value: unknown) => string): string {
  const exact = param(search);
  const pattern = param(likePattern(search));
  // IBANs are typed in groups of four: the text without its spaces also counts.
  const compact = param(likePattern(search.replace(/\s+/g, '')));
  const extra = Object.hasOwn(EXTRA_SEARCH, type) ? EXTRA_SEARCH[type] : undefined;
  return `(lower(l.business_id) = lower(${exact})
             OR l.attributes::text ILIKE ${pattern}
             OR l.attributes::text ILIKE ${compact}
             OR u.email ILIKE ${pattern}
             OR u.display_name ILIKE ${pattern}
             OR coalesce(b.attributes::text, '') ILIKE ${compact}${
               extra
                 ? `
             OR ${extra(pattern, compact)}`
                 : ''
             })`;
}

/**
 * Business ids of `type` that `text` finds, newest first: an exact id, or the text (spaces ignored,
 * for IBANs typed in groups) in the attributes, the owner's email or display name, or the attributes
 * of the bank account the lifecycle names (withdrawals).
 */
export async function searchLifecycles(
  pool: pg.Pool,
  input: { type: string; text: string; status?: string; limit: number },
): Promise<string[]> {
  if (input.text.trim() === '') return [];
  if (!(input.limit >= 1 && input.limit <= MAX_SEARCH_RESULTS))
    throw new Error(`search limit ${input.limit}`);
  const page = await findLifecycles(pool, input);
  return page.items.map((item) => item.businessId);
}
