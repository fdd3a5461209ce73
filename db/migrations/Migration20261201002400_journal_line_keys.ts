import { Migration } from '@mikro-orm/migrations';

// journal_line's keys with one B-tree fewer (issue 15). Every line went into three B-trees: the
// primary key (id), journal_line_entry_idx (entry_id) and journal_line_account_idx (account_id,
// entry_id): 6,000 of the 9,000 index inserts of a 1,000-transfer batched call. Now:
//   - the primary key is (entry_id, id): "lines by entry" (replays, holds, the venue, the
//     statement's entry join) reads its prefix, in line order, as it read journal_line_entry_idx;
//   - a line's id stays unique because only the identity sequence writes it: the column becomes
//     GENERATED ALWAYS AS IDENTITY, continuing where the old serial sequence stopped, so an INSERT
//     naming an id is refused (no code ever named one) and the sequence never repeats a value;
//   - the one query that looks a line up by id alone (the client statement's page cursor) reads a
//     BRIN index on id: lines are append-only, so a line's id follows its place in the heap and
//     a range of 16 pages holds the id; a BRIN insert is a map lookup, not a tree descent.
// journal_line_account_idx ("lines by account") is unchanged.
//
// No "?" anywhere in this SQL: the migration runner would read it as a binding placeholder.
export class Migration20261201002400_journal_line_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      DO $do$
      DECLARE
        v_next bigint;
      BEGIN
        SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END INTO v_next FROM journal_line_id_seq;
        ALTER TABLE journal_line ALTER COLUMN id DROP DEFAULT;
        DROP SEQUENCE journal_line_id_seq;
        EXECUTE format('ALTER TABLE journal_line ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH %s)',
                       v_next);
      END
      $do$`);
    this.addSql(`
      ALTER TABLE journal_line
        DROP CONSTRAINT journal_line_pkey,
        ADD CONSTRAINT journal_line_pkey PRIMARY KEY (entry_id, id)`);
    this.addSql(`DROP INDEX journal_line_entry_idx`);
    this.addSql(`
      CREATE INDEX journal_line_id_brin ON journal_line USING brin (id)
        WITH (pages_per_range = 16, autosummarize = on)`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX journal_line_id_brin`);
    this.addSql(`CREATE INDEX journal_line_entry_idx ON journal_line (entry_id)`);
    this.addSql(`
      ALTER TABLE journal_line
        DROP CONSTRAINT journal_line_pkey,
        ADD CONSTRAINT journal_line_pkey PRIMARY KEY (id)`);
    this.addSql(`
      DO $do$
      DECLARE
        v_next bigint := (SELECT coalesce(max(id), 0) + 1 FROM journal_line);
      BEGIN
        ALTER TABLE journal_line ALTER COLUMN id DROP IDENTITY;
        CREATE SEQUENCE journal_line_id_seq OWNED BY journal_line.id;
        PERFORM setval('journal_line_id_seq', v_next, false);
        ALTER TABLE journal_line ALTER COLUMN id SET DEFAULT nextval('journal_line_id_seq');
      END
      $do$`);
  }
}
