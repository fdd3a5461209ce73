// Storing an uploaded statement file: the file itself (bytes and sha256), each statement in it and
// its lines, in one transaction. The same file (sha256) or the same statement (statement_key) again
// is a DuplicateStatementError, unless it is the very same upload retried (same statement ids,
// which derive from the uploader's Idempotency-Key): then the stored statements are answered.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ParsedStatement, StatementFormat } from '../../domain/statements/types.js';
import { referenceKeys } from '../../domain/reconciliation/matching.js';
import type { StatementProblem } from '../../domain/reconciliation/statement-checks.js';

export class DuplicateStatementError extends Error {
  constructor(readonly existingStatementIds: string[]) {
    super('this statement was imported already');
    this.name = 'DuplicateStatementError';
  }
}

export interface NewStatement {
  id: string;
  source: 'bank' | 'registry';
  accountCode: string;
  parsed: ParsedStatement;
  consistent: boolean;
  problems: StatementProblem[];
}

export interface NewStatementFile {
  bytes: Uint8Array;
  format: StatementFormat;
  uploadedBy: string;
  statements: NewStatement[];
}

const LINE_BATCH = 5000;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What identifies a statement whatever file it came in: its account, id, period, balances, lines. */
export function statementKey(statement: ParsedStatement): string {
  const hash = createHash('sha256');
  const { account, statementId, currency, from, to, opening, closing } = statement;
  hash.update(
    JSON.stringify([
      account,
      statementId,
      currency,
      from,
      to,
      String(opening?.amountMinor),
      String(closing?.amountMinor),
    ]),
  );
  for (const l of statement.lines)
    hash.update(`\n${l.bookedOn}|${l.valueOn}|${l.amountMinor}|${l.currency}|${l.reference ?? ''}|${l.text}`);
  return hash.digest('hex');
}

/** Stores the file, its statements and their lines; answers { created } (false: the same upload retried). */
export async function insertStatementFile(
  pool: pg.Pool,
  file: NewStatementFile,
): Promise<{ created: boolean }> {
  if (file.statements.length === 0) throw new Error('a statement file holds at least one statement');
  const sha = sha256Hex(file.bytes);
  const keys = file.statements.map((s) => statementKey(s.parsed));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Serialise imports of the same file or of the same statement in another file: the second waits,
    // then sees the first's rows (else it met the unique statement_key at INSERT, answered 500). One
    // statement takes every lock, in the array's order (the file's, then its keys sorted: no two
    // imports wait on each other crosswise), instead of a round trip per statement of the file.
    await client.query(
      'SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) WITH ORDINALITY AS l(k, n) ORDER BY n',
      [[sha, ...[...keys].sort()]],
    );
    const known = await client.query<{ id: string }>(
      `SELECT s.id FROM recon_statement s JOIN recon_file f ON f.id = s.file_id
        WHERE f.sha256 = $1 OR s.statement_key = ANY($2::text[]) ORDER BY s.position`,
      [sha, keys],
    );
    if (known.rows.length > 0) {
      await client.query('ROLLBACK');
      const ids = known.rows.map((r) => r.id);
      const ours = file.statements.map((s) => s.id);
      if (ids.length === ours.length && ids.every((id, i) => id === ours[i])) return { created: false };
      throw new DuplicateStatementError(ids);
    }
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO recon_file (sha256, format, size_bytes, content, uploaded_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [sha, file.format, file.bytes.byteLength, Buffer.from(file.bytes), file.uploadedBy],
    );
    const fileId = inserted.rows[0]?.id;
    if (!fileId) throw new Error('recon_file insert returned no id');
    for (const [position, statement] of file.statements.entries()) {
      const p = statement.parsed;
      await client.query(
        `INSERT INTO recon_statement (id, file_id, position, statement_key, source, format, account_code,
           account_ref, statement_ref, currency, from_on, to_on, opening_minor, closing_minor, line_count,
           consistent, problems, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          statement.id,
          fileId,
          position,
          keys[position],
          statement.source,
          p.format,
          statement.accountCode,
          p.account,
          p.statementId,
          p.currency,
          p.from,
          p.to,
          p.opening?.amountMinor.toString() ?? null,
          p.closing?.amountMinor.toString() ?? null,
          p.lines.length,
          statement.consistent,
          JSON.stringify(statement.problems, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
          file.uploadedBy,
        ],
      );
      for (let start = 0; start < p.lines.length; start += LINE_BATCH) {
        const batch = p.lines.slice(start, start + LINE_BATCH);
        await client.query(
          `INSERT INTO recon_line (statement_id, idx, origin, booked_on, value_on, amount_minor, currency, status,
             reversal, reference, counterparty, text, keys)
           SELECT $1, x.idx, x.origin, x.booked_on, x.value_on, x.amount_minor, x.currency, x.status, x.reversal,
                  x.reference, x.counterparty, x.text, ARRAY(SELECT json_array_elements_text(x.keys))
             FROM json_to_recordset($2::json) AS x(idx integer, origin text, booked_on date, value_on date,
                  amount_minor bigint, currency text, status text, reversal boolean, reference text,
                  counterparty text, text text, keys json)`,
          [
            statement.id,
            JSON.stringify(
              batch.map((l) => ({
                idx: l.index,
                origin: l.origin,
                booked_on: l.bookedOn,
                value_on: l.valueOn,
                amount_minor: l.amountMinor.toString(),
                currency: l.currency,
                status: l.status,
                reversal: l.reversal,
                reference: l.reference,
                counterparty: l.counterparty,
                text: l.text,
                keys: referenceKeys(l.reference, l.text),
              })),
            ),
          ],
        );
      }
    }
    await client.query('COMMIT');
    return { created: true };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
