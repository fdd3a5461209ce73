// CSV downloads of the staff lists and the client's statement: RFC 4180 quoting, a header row, and
// cells that a spreadsheet would run as a formula (=, +, -, @ first) prefixed with a quote.
export const MAX_CSV_ROWS = 10_000;

function cell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length > MAX_CSV_ROWS) throw new Error(`CSV of ${rows.length} rows exceeds ${MAX_CSV_ROWS}`);
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function csvResponse(
  filename: string,
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
) {
  return new Response(toCsv(header, rows), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Cache-Control': 'no-store',
    },
  });
}

/** Every row a cursor-paged list has, page by page, up to MAX_CSV_ROWS (then it stops and says so). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_CSV_ROWS; pages++) {
    const next = await page(cursor);
    items.push(...next.items);
    if (items.length >= MAX_CSV_ROWS) return { items: items.slice(0, MAX_CSV_ROWS), truncated: true };
    if (!next.nextCursor) return { items, truncated: false };
    cursor = next.nextCursor;
  }
  return { items, truncated: true };
}
