import { Migration } from '@mikro-orm/migrations';

// The ledger's fast path (issue 15): `ledger_post_batch(jsonb)` records a group of new postings and
// holds in the one statement that calls it, i.e. one round trip and (called outside an explicit
// transaction) one commit and one fsync for the whole group. db/ledger/fast-path.ts builds its input
// from validated entries (db/ledger/validation.ts) and reads its answer; db/ledger/group-commit.ts
// gathers concurrent postings into one call.
//
// For each item, in order (later items see the totals earlier items left):
//   - a known idempotency key answers {"o":"known", id, payload hash}: the caller replays or reports
//     the conflict, exactly as the JavaScript engine does;
//   - an item the JavaScript engine would refuse (unknown account, asset mismatch, hold expiring in
//     the past, a flag or a 64-bit total exceeded) writes nothing and answers {"o":"rejected"} with a
//     snapshot of its accounts as they stand at that point: the caller runs the engine's own checks
//     (engine.ts planEntry/applyEntry) on that snapshot, so the error and its details are the
//     engine's, and a refused item never fails its batch mates;
//   - otherwise the entry is inserted, its accounts' totals moved, and it answers {"o":"created"}.
// Every account of the group is locked once, up front, in id order (as every other posting path
// locks), so two groups never deadlock. All lines go in with one INSERT at the end (one run of the
// per-statement balance trigger). The table constraints and triggers of the ledger migration still
// hold every row: an engine bug aborts the statement, it cannot corrupt the books.
//
// The balance trigger is redefined to read only the lines its statement inserted (the transition
// table) instead of looking every touched entry's lines up again: lines are append-only and every
// earlier statement left each entry balanced, so an entry balances after this statement exactly when
// this statement's lines of it balance. Same guarantee, without one index probe per entry.
//
// No "?" anywhere in this SQL: the migration runner would read it as a binding placeholder.
export class Migration20261201000700_ledger_fast_path extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE OR REPLACE FUNCTION ledger_journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        bad record;
      BEGIN
        SELECT n.entry_id, n.asset, n.pending, sum(n.debit) AS debits, sum(n.credit) AS credits
          INTO bad
          FROM inserted_lines n
         GROUP BY n.entry_id, n.asset, n.pending
        HAVING sum(n.debit) <> sum(n.credit)
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % is unbalanced in %: debits % <> credits %',
            bad.entry_id, bad.asset, bad.debits, bad.credits
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END
      $fn$`);
    this.addSql(`
      CREATE FUNCTION ledger_post_batch(p_batch jsonb) RETURNS jsonb
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        c_max CONSTANT numeric := 9223372036854775807;
        v_now timestamptz := now();
        v_results jsonb[] := '{}';
        v_item jsonb;
        v_pending boolean;
        v_known record;
        v_bad boolean;
        v_snapshot jsonb;
        v_acc bigint[];
        v_asset text[];
        v_debit bigint[];
        v_credit bigint[];
        v_u_id bigint[];
        v_u_debit bigint[];
        v_u_credit bigint[];
        v_id uuid;
        v_seq bigint;
        v_created timestamptz;
        v_effective timestamptz;
        l_entry uuid[] := '{}';
        l_account bigint[] := '{}';
        l_asset text[] := '{}';
        l_debit bigint[] := '{}';
        l_credit bigint[] := '{}';
        l_pending boolean[] := '{}';
      BEGIN
        PERFORM 1
           FROM ledger_account
          WHERE code IN (SELECT t.v->>0 FROM jsonb_array_elements(p_batch) i, jsonb_array_elements(i->'t') t(v)
                         UNION
                         SELECT t.v->>1 FROM jsonb_array_elements(p_batch) i, jsonb_array_elements(i->'t') t(v))
          ORDER BY id
            FOR UPDATE;

        FOR v_item IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
          SELECT e.id, e.payload_hash INTO v_known FROM journal_entry e WHERE e.idempotency_key = v_item->>'k';
          IF FOUND THEN
            v_results := v_results || jsonb_build_object('o', 'known', 'id', v_known.id, 'h', v_known.payload_hash);
            CONTINUE;
          END IF;
          v_pending := (v_item->>'s') = 'pending';

          -- Lines in entry order (per transfer its debit line, then its credit line), with their accounts.
          WITH t AS (
            SELECT x.ord, x.v->>0 AS debit_code, x.v->>1 AS credit_code, (x.v->>2)::numeric AS amount
              FROM jsonb_array_elements(v_item->'t') WITH ORDINALITY AS x(v, ord)
          ), l AS (
            SELECT t.ord * 2 - 1 AS n, t.debit_code AS code, t.amount AS debit, 0::numeric AS credit FROM t
            UNION ALL
            SELECT t.ord * 2, t.credit_code, 0::numeric, t.amount FROM t
          ), la AS (
            SELECT l.n, l.code, l.debit, l.credit, a.id, a.asset FROM l LEFT JOIN ledger_account a ON a.code = l.code
          ), moved AS (
            SELECT la.id, sum(la.debit) AS debit, sum(la.credit) AS credit FROM la WHERE la.id IS NOT NULL GROUP BY la.id
          ), after AS (
            SELECT a.debits_must_not_exceed_credits AS dmnec, a.credits_must_not_exceed_debits AS cmned,
                   a.debits_posted + CASE WHEN v_pending THEN 0 ELSE m.debit END AS dp,
                   a.credits_posted + CASE WHEN v_pending THEN 0 ELSE m.credit END AS cp,
                   a.debits_pending + CASE WHEN v_pending THEN m.debit ELSE 0 END AS dpe,
                   a.credits_pending + CASE WHEN v_pending THEN m.credit ELSE 0 END AS cpe
              FROM moved m JOIN ledger_account a ON a.id = m.id
          )
          SELECT coalesce((SELECT bool_or(la.id IS NULL) FROM la), true)
                 OR coalesce((SELECT bool_or(NOT (dp <= c_max AND cp <= c_max AND dpe <= c_max AND cpe <= c_max
                                               AND dp + dpe <= c_max AND cp + cpe <= c_max
                                               AND (NOT dmnec OR dp + dpe <= cp)
                                               AND (NOT cmned OR cp + cpe <= dp))) FROM after), false)
                 OR EXISTS (SELECT 1 FROM la d JOIN la c ON c.n = d.n + 1 WHERE d.n % 2 = 1 AND d.asset <> c.asset)
                 OR ((v_item->>'ex') IS NOT NULL AND (v_item->>'ex')::timestamptz <= v_now),
                 (SELECT array_agg(la.id ORDER BY la.n) FROM la),
                 (SELECT array_agg(la.asset ORDER BY la.n) FROM la),
                 (SELECT array_agg(la.debit::bigint ORDER BY la.n) FROM la),
                 (SELECT array_agg(la.credit::bigint ORDER BY la.n) FROM la),
                 (SELECT array_agg(m.id ORDER BY m.id) FROM moved m),
                 (SELECT array_agg(m.debit::bigint ORDER BY m.id) FROM moved m),
                 (SELECT array_agg(m.credit::bigint ORDER BY m.id) FROM moved m)
            INTO v_bad, v_acc, v_asset, v_debit, v_credit, v_u_id, v_u_debit, v_u_credit;

          IF v_bad THEN
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                     'id', a.id::text, 'code', a.code, 'asset', a.asset,
                     'debits_must_not_exceed_credits', a.debits_must_not_exceed_credits,
                     'credits_must_not_exceed_debits', a.credits_must_not_exceed_debits,
                     'debits_posted', a.debits_posted::text, 'credits_posted', a.credits_posted::text,
                     'debits_pending', a.debits_pending::text, 'credits_pending', a.credits_pending::text)), '[]'::jsonb)
              INTO v_snapshot
              FROM ledger_account a
             WHERE a.code IN (SELECT t.v->>0 FROM jsonb_array_elements(v_item->'t') t(v)
                              UNION SELECT t.v->>1 FROM jsonb_array_elements(v_item->'t') t(v));
            v_results := v_results || jsonb_build_object('o', 'rejected', 'accounts', v_snapshot, 'now', v_now);
            CONTINUE;
          END IF;

          INSERT INTO journal_entry (idempotency_key, payload_hash, kind, description, status, workflow_id, run_id,
                                     activity, effective_at, expires_at)
          VALUES (v_item->>'k', v_item->>'h', v_item->>'kd', v_item->>'d', v_item->>'s', v_item->>'w', v_item->>'r',
                  v_item->>'a', coalesce((v_item->>'ef')::timestamptz, v_now), (v_item->>'ex')::timestamptz)
          RETURNING id, seq, created_at, effective_at INTO v_id, v_seq, v_created, v_effective;

          UPDATE ledger_account a
             SET debits_posted = a.debits_posted + CASE WHEN v_pending THEN 0 ELSE u.debit END,
                 credits_posted = a.credits_posted + CASE WHEN v_pending THEN 0 ELSE u.credit END,
                 debits_pending = a.debits_pending + CASE WHEN v_pending THEN u.debit ELSE 0 END,
                 credits_pending = a.credits_pending + CASE WHEN v_pending THEN u.credit ELSE 0 END
            FROM unnest(v_u_id, v_u_debit, v_u_credit) AS u(id, debit, credit)
           WHERE a.id = u.id;

          l_entry := l_entry || array_fill(v_id, ARRAY[cardinality(v_acc)]);
          l_account := l_account || v_acc;
          l_asset := l_asset || v_asset;
          l_debit := l_debit || v_debit;
          l_credit := l_credit || v_credit;
          l_pending := l_pending || array_fill(v_pending, ARRAY[cardinality(v_acc)]);
          v_results := v_results || jsonb_build_object('o', 'created', 'id', v_id, 'seq', v_seq::text,
                                                       'ca', v_created, 'ea', v_effective, 'as', to_jsonb(v_asset));
        END LOOP;

        IF cardinality(l_entry) > 0 THEN
          INSERT INTO journal_line (entry_id, account_id, asset, debit, credit, pending)
          SELECT x.e, x.acc, x.asset, x.debit, x.credit, x.pending
            FROM unnest(l_entry, l_account, l_asset, l_debit, l_credit, l_pending)
                 WITH ORDINALITY AS x(e, acc, asset, debit, credit, pending, ord)
           ORDER BY x.ord;
        END IF;
        RETURN to_jsonb(v_results);
      END
      $fn$`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION ledger_post_batch(jsonb)`);
    this.addSql(`
      CREATE OR REPLACE FUNCTION ledger_journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        bad record;
      BEGIN
        SELECT l.entry_id, l.asset, l.pending, sum(l.debit) AS debits, sum(l.credit) AS credits
          INTO bad
          FROM journal_line l
         WHERE l.entry_id IN (SELECT DISTINCT n.entry_id FROM inserted_lines n)
         GROUP BY l.entry_id, l.asset, l.pending
        HAVING sum(l.debit) <> sum(l.credit)
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % is unbalanced in %: debits % <> credits %',
            bad.entry_id, bad.asset, bad.debits, bad.credits
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END
      $fn$`);
  }
}
