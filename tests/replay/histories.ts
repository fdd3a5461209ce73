// The golden histories under tests/histories/<type>/<path>.json, discovered from the directory.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFacts } from '../../db/history/index.js';

export const HISTORIES_DIR = fileURLToPath(new URL('../histories', import.meta.url));

export interface GoldenHistory {
  /** "deposit/happy" */
  name: string;
  type: string;
  file: string;
  workflowId: string;
  history: { events: Record<string, unknown>[] };
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return entry.endsWith('.json') ? [path] : [];
    });
}

export function goldenHistories(dir: string = HISTORIES_DIR): GoldenHistory[] {
  return jsonFiles(dir).map((file) => {
    const history = JSON.parse(readFileSync(file, 'utf8')) as GoldenHistory['history'];
    const facts = historyFacts(history);
    const name = relative(dir, file).replace(/\.json$/, '');
    return { name, type: name.split('/')[0]!, file, workflowId: facts.workflowId ?? name, history };
  });
}
