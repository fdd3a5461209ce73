import { Migration } from '@mikro-orm/migrations';

// The batched path's statement takes typed arrays instead of JSON (issue 15):
// `ledger_post_batch` (renamed `ledger_post_entry_columns` by Migration20261201002010: the fast path's
// `ledger_post_batch(jsonb)` has this name) replaces `ledger_post_entries` (Migration20261201001600_ledger_batched_path.ts)
// with the same rules, the same order of work (inserts before the account locks; locks in id order
// only for the checks, the one UPDATE per account and the commit) and the same declines (SQLSTATE
// LP001, everything rolled back, the caller's JavaScript engine answers instead).
//
// Why (profiled with perf on the backend, 1,000 one-transfer postings over 50 accounts per call):
// parsing the two JSON documents and hash-joining 2,000 account codes took about a tenth of the
// statement. Here an entry is one element of each entry array, a transfer one element of each transfer
// array, and a transfer names its accounts by their position in `p_codes`, the call's distinct
// account codes: 50 lookups by code instead of 2,000, and no JSON anywhere. The caller also chooses
// time-ordered (version 7) entry ids, so the inserts into journal_entry_pkey, journal_line_entry_idx
// and journal_line_account_idx append where the last call appended instead of touching random pages
// of indexes that grow with the journal (db/ledger/batched-path.ts).
//
// The arrays must agree in length (entries: p_ids .. p_effective_at; transfers: p_transfer_entry ..
// p_amount) and every position must be in range: anything else is the caller's bug, refused with
// SQLSTATE 22023, never a decline.
//
// No "?" anywhere in this SQL: the migration runner would read it as a binding placeholder.
export class Migration20261201002000_ledger_post_batch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION ledger_post_batch(
        p_ids uuid[], p_keys text[], p_hashes text[], p_kinds text[], p_descriptions text[],
        p_workflow_ids text[], p_run_ids text[], p_activities text[], p_effective_at timestamptz[],
        p_codes text[], p_transfer_entry int[], p_debit int[], p_credit int[], p_amount bigint[])
      RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        c_max CONSTANT numeric := 9223372036854775807;
        v_now timestamptz := now();
        n_entries int := coalesce(cardinality(p_ids), 0);
        n_transfers int := coalesce(cardinality(p_transfer_entry), 0);
        n_codes int := coalesce(cardinality(p_codes), 0);
        v_declined boolean;
        v_ordered boolean;
        a_id bigint[];
        a_asset text[];
        m_account bigint[];
        m_debit numeric[];
        m_credit numeric[];
      BEGIN
        IF n_entries = 0 OR n_transfers = 0
           OR coalesce(cardinality(p_keys), 0) <> n_entries OR coalesce(cardinality(p_hashes), 0) <> n_entries
           OR coalesce(cardinality(p_kinds), 0) <> n_entries OR coalesce(cardinality(p_descriptions), 0) <> n_entries
           OR coalesce(cardinality(p_workflow_ids), 0) <> n_entries OR coalesce(cardinality(p_run_ids), 0) <> n_entries
           OR coalesce(cardinality(p_activities), 0) <> n_entries OR coalesce(cardinality(p_effective_at), 0) <> n_entries
           OR coalesce(cardinality(p_debit), 0) <> n_transfers OR coalesce(cardinality(p_credit), 0) <> n_transfers
           OR coalesce(cardinality(p_amount), 0) <> n_transfers THEN
          RAISE EXCEPTION 'ledger_post_batch: empty call or arrays of unequal length' USING ERRCODE = '22023';
        END IF;
        IF EXISTS (SELECT 1 FROM unnest(p_transfer_entry, p_debit, p_credit) AS t(e, d, c)
                    WHERE e IS NULL OR d IS NULL OR c IS NULL OR e < 1 OR e > n_entries
                       OR d < 1 OR d > n_codes OR c < 1 OR c > n_codes) THEN
          RAISE EXCEPTION 'ledger_post_batch: a transfer names a position out of range' USING ERRCODE = '22023';
        END IF;

        -- The call's accounts, by position in p_codes; the function declines an unknown one.
        SELECT array_agg(a.id ORDER BY c.o), array_agg(a.asset ORDER BY c.o), bool_or(a.id IS NULL)
          INTO a_id, a_asset, v_declined
          FROM unnest(p_codes) WITH ORDINALITY AS c(code, o)
          LEFT JOIN ledger_account a ON a.code = c.code;
        IF v_declined THEN
          RAISE EXCEPTION 'ledger_post_batch declines: unknown account' USING ERRCODE = 'LP001';
        END IF;
        IF EXISTS (SELECT 1 FROM unnest(p_debit, p_credit) AS t(d, c) WHERE a_asset[d] <> a_asset[c]) THEN
          RAISE EXCEPTION 'ledger_post_batch declines: a transfer mixes assets' USING ERRCODE = 'LP001';
        END IF;

        -- In call order, so seq (and the lines' ids) follow the order the engine would have used.
        INSERT INTO journal_entry (id, idempotency_key, payload_hash, kind, description, status, workflow_id, run_id,
                                   activity, effective_at)
        SELECT x.i, x.k, x.h, x.kd, x.d, 'posted', x.w, x.r, x.a, coalesce(x.ef, v_now)
          FROM unnest(p_ids, p_keys, p_hashes, p_kinds, p_descriptions, p_workflow_ids, p_run_ids, p_activities,
                      p_effective_at) WITH ORDINALITY AS x(i, k, h, kd, d, w, r, a, ef, o)
         ORDER BY x.o;

        -- Per transfer its debit line, then its credit line.
        INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending)
        SELECT p_ids[t.e], a_id[CASE s.side WHEN 1 THEN t.d ELSE t.c END], a_asset[t.d],
               CASE s.side WHEN 1 THEN t.m ELSE 0 END, CASE s.side WHEN 1 THEN 0 ELSE t.m END, false
          FROM unnest(p_transfer_entry, p_debit, p_credit, p_amount) WITH ORDINALITY AS t(e, d, c, m, o)
         CROSS JOIN (VALUES (1), (2)) AS s(side)
         ORDER BY t.o, s.side;

        -- What the whole call moves per account (independent of the totals, so before the locks).
        SELECT array_agg(m.account ORDER BY m.account), array_agg(m.debit ORDER BY m.account),
               array_agg(m.credit ORDER BY m.account)
          INTO m_account, m_debit, m_credit
          FROM (SELECT a_id[x.p] AS account, sum(x.debit) AS debit, sum(x.credit) AS credit
                  FROM (SELECT t.d AS p, t.m AS debit, 0::bigint AS credit FROM unnest(p_debit, p_amount) AS t(d, m)
                        UNION ALL
                        SELECT t.c, 0, t.m FROM unnest(p_credit, p_amount) AS t(c, m)) x
                 GROUP BY a_id[x.p]) m;

        -- Only now the accounts: locked in id order, checked and moved; the commit follows.
        PERFORM 1 FROM ledger_account WHERE id = ANY(m_account) ORDER BY id FOR UPDATE;

        -- The engine checks every account an entry touches at the end of that entry, in order. Totals
        -- only grow here, so the range checks hold for every entry if they hold at the end, and a flag
        -- holds for every entry if it holds with all of the call's debits (credits) and none of its
        -- credits (debits): an account with that much headroom needs no look at the order.
        SELECT coalesce(bool_or(NOT (a.debits_posted + m.debit <= c_max AND a.credits_posted + m.credit <= c_max
                                     AND a.debits_posted + m.debit + a.debits_pending <= c_max
                                     AND a.credits_posted + m.credit + a.credits_pending <= c_max)), false),
               coalesce(bool_or((a.debits_must_not_exceed_credits
                                 AND a.debits_posted + m.debit + a.debits_pending > a.credits_posted)
                             OR (a.credits_must_not_exceed_debits
                                 AND a.credits_posted + m.credit + a.credits_pending > a.debits_posted)), false)
          INTO v_declined, v_ordered
          FROM unnest(m_account, m_debit, m_credit) AS m(account, debit, credit)
          JOIN ledger_account a ON a.id = m.account;
        IF v_declined THEN
          RAISE EXCEPTION 'ledger_post_batch declines: a total would exceed 64 bits' USING ERRCODE = 'LP001';
        END IF;
        IF v_ordered THEN
          WITH per_entry AS (
            SELECT a_id[x.p] AS account, x.n, sum(x.debit) AS debit, sum(x.credit) AS credit
              FROM (SELECT t.d AS p, t.e AS n, t.m AS debit, 0::bigint AS credit
                      FROM unnest(p_debit, p_transfer_entry, p_amount) AS t(d, e, m)
                    UNION ALL
                    SELECT t.c, t.e, 0, t.m FROM unnest(p_credit, p_transfer_entry, p_amount) AS t(c, e, m)) x
             GROUP BY a_id[x.p], x.n
          ), after AS (
            SELECT a.debits_must_not_exceed_credits AS dmnec, a.credits_must_not_exceed_debits AS cmned,
                   a.debits_posted + sum(p.debit) OVER w AS dp, a.credits_posted + sum(p.credit) OVER w AS cp,
                   a.debits_pending AS dpe, a.credits_pending AS cpe
              FROM per_entry p JOIN ledger_account a ON a.id = p.account
            WINDOW w AS (PARTITION BY p.account ORDER BY p.n)
          )
          SELECT coalesce(bool_or((dmnec AND dp + dpe > cp) OR (cmned AND cp + cpe > dp)), false)
            INTO v_declined
            FROM after;
          IF v_declined THEN
            RAISE EXCEPTION 'ledger_post_batch declines: an account flag would be broken' USING ERRCODE = 'LP001';
          END IF;
        END IF;

        UPDATE ledger_account a
           SET debits_posted = a.debits_posted + m.debit, credits_posted = a.credits_posted + m.credit
          FROM unnest(m_account, m_debit, m_credit) AS m(account, debit, credit)
         WHERE a.id = m.account;

        RETURN json_build_object('now', v_now, 'assets', to_json(a_asset));
      END
      $fn$`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      DROP FUNCTION ledger_post_batch(uuid[], text[], text[], text[], text[], text[], text[], text[], timestamptz[],
                                      text[], int[], int[], int[], bigint[])`);
  }
}
