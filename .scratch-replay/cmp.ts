import pg from 'pg';
import { readFileSync } from 'node:fs';
import { historyToJSON, historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/clearhouse_capture' });
const file = readFileSync('tests/histories/deposit/happy.json', 'utf8').trimEnd();
const id = JSON.parse(file).events[0].workflowExecutionStartedEventAttributes.workflowId;
const { rows } = await pool.query('select history from workflow_history_archive where workflow_id = $1', [id]);
const text = historyToJSON(historyFromJSON(rows[0].history));
const a = file.split('\n'), b = text.split('\n');
console.log(a.length, b.length);
for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) { console.log(i, JSON.stringify(a[i]), JSON.stringify(b[i])); if (i > 5) break; }
await pool.end();
import { createHash } from 'node:crypto';
const pool2 = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/clearhouse_capture' });
const r = await pool2.query('select workflow_id, sha256, history from workflow_history_archive');
for (const row of r.rows) {
  const t = historyToJSON(historyFromJSON(row.history));
  console.log(row.workflow_id, row.sha256.slice(0, 12), createHash('sha256').update(t).digest('hex').slice(0, 12));
}
await pool2.end();
