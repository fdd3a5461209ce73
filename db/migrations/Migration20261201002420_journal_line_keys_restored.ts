import { Migration } from '@mikro-orm/migrations';
import { Migration20261201002400_journal_line_keys } from './Migration20261201002400_journal_line_keys.js';

// journal_line's keys as they were before Migration20261201002400 (issue 15): primary key (id),
// journal_line_entry_idx (entry_id), id from its serial sequence. 002400 traded the B-tree on id for a
// BRIN index, which answers a lookup by id only over summarized ranges and scans every page not yet
// summarized. Summaries come from (auto)vacuum: this server runs with autovacuum off, where the client
// statement's cursor lookup took 78 ms at 860,000 unsummarized lines (0.05 ms on the B-tree), and even
// with autovacuum on, the tail a worker has not reached grows with the insert rate, which is exactly
// what the batched path raises. The trade bought 2 % of backend CPU per 1,000-transfer call (paired
// runs, ledger-cpu-ab.ts, b/a 0.98), not worth a read that degrades with load.
//
// Here 002400's own down() and up(), so the two layouts are written once.
export class Migration20261201002420_journal_line_keys_restored extends Migration {
  override async up(): Promise<void> {
    await this.fromKeysMigration('down');
  }

  override async down(): Promise<void> {
    await this.fromKeysMigration('up');
  }

  private async fromKeysMigration(direction: 'up' | 'down'): Promise<void> {
    const keys = new Migration20261201002400_journal_line_keys(this.driver, this.config);
    await keys[direction]();
    for (const query of keys.getQueries()) this.addSql(query);
  }
}
