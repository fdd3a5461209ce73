import { Migration } from '@mikro-orm/migrations';

// The batched path's function (Migration20261201002000_ledger_post_batch.ts) gets a name of its own:
// `ledger_post_batch(jsonb)` is already the group commit's fast path
// (Migration20261201000700_ledger_fast_path.ts), and two unrelated overloads of one name read as one
// function in logs, plans and decline messages. The function is recreated from its own definition
// with the name replaced everywhere (its messages name it too), then the old name is dropped: same
// body, same arguments.
const ARGUMENTS = `uuid[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], text[], int[], int[],
  int[], bigint[]`;

function renamed(from: string, to: string): string {
  return `
    DO $do$
    BEGIN
      EXECUTE replace(pg_get_functiondef('${from}(${ARGUMENTS})'::regprocedure), '${from}', '${to}');
      DROP FUNCTION ${from}(${ARGUMENTS});
    END
    $do$`;
}

export class Migration20261201002010_ledger_post_entry_columns_name extends Migration {
  override async up(): Promise<void> {
    this.addSql(renamed('ledger_post_batch', 'ledger_post_entry_columns'));
  }

  override async down(): Promise<void> {
    this.addSql(renamed('ledger_post_entry_columns', 'ledger_post_batch'));
  }
}
