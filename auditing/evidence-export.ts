// One lifecycle as evidence: a single JSON document holding the history (CLI format), the ledger
// entries, the business timeline and tasks, the audit-log rows, and a manifest with the sha256 of
// each file's exact text so anyone can check it. Pure: the caller gathers the parts.
import { createHash } from 'node:crypto';
import type { LifecycleDetail } from '../db/lifecycle/index.js';
import type { LoadedHistory } from './history-load.js';
import type { AuditEntryView } from './ledger-entries.js';

export const EXPORT_FORMAT = 'clearhouse.lifecycle-export.v1';

export interface ExportBundle {
  format: typeof EXPORT_FORMAT;
  manifest: {
    workflowId: string;
    runId: string | null;
    workflowType: string | null;
    businessId: string | null;
    exportedAt: string;
    exportedBy: { id: string; role: string; email: string };
    historySource: 'archive' | 'temporal';
    archive: { sha256: string; archivedAt: string; intact: boolean | null } | null;
    /** How to check a file: sha256 of the UTF-8 bytes of `files[name]`, hex. */
    algorithm: 'sha256';
    files: { name: string; sha256: string; bytes: number; description: string }[];
    notes: string[];
  };
  /** Each file's exact text (JSON documents); `history.json` is replayable as it is. */
  files: Record<string, string>;
}

export interface EvidenceParts {
  loaded: LoadedHistory;
  lifecycle: LifecycleDetail | null;
  entries: AuditEntryView[];
  /** The audit-log rows about this lifecycle, with their chain hashes (api/audit/log.ts). */
  auditRows: unknown[];
  exportedBy: { id: string; role: string; email: string };
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function evidenceFiles(parts: EvidenceParts): { name: string; text: string; description: string }[] {
  return [
    {
      name: 'history.json',
      text: parts.loaded.text,
      description:
        'Temporal event history, the format of `temporal workflow show --output json`; replay with `npm run replay -- --file history.json`',
    },
    {
      name: 'ledger-entries.json',
      text: JSON.stringify(parts.entries, null, 2),
      description: 'Journal entries the workflow posted, with lines and idempotency keys',
    },
    {
      name: 'lifecycle.json',
      text: JSON.stringify(parts.lifecycle, null, 2),
      description: 'The business timeline (lifecycle_event) and tasks from the projection',
    },
    {
      name: 'audit-log.json',
      text: JSON.stringify(parts.auditRows, null, 2),
      description: 'Audit-log rows about this lifecycle, with their chain hashes',
    },
  ];
}

/** The export document and the file name to download it as. */
export function evidenceExport(parts: EvidenceParts): { filename: string; bundle: ExportBundle } {
  const { loaded, lifecycle } = parts;
  const notes: string[] = [];
  if (!lifecycle) notes.push('lifecycle.json is null: no lifecycle projection for this workflow');
  if (loaded.archiveIntact === false)
    notes.push('WARNING: the archived history does not match its stored sha256');
  const described = evidenceFiles(parts);
  const bundle: ExportBundle = {
    format: EXPORT_FORMAT,
    manifest: {
      workflowId: loaded.workflowId,
      runId: loaded.runId,
      workflowType: loaded.workflowType,
      businessId: lifecycle?.businessId ?? null,
      exportedAt: new Date().toISOString(),
      exportedBy: parts.exportedBy,
      historySource: loaded.source,
      archive: loaded.archive
        ? {
            sha256: loaded.archive.sha256,
            archivedAt: loaded.archive.archivedAt,
            intact: loaded.archiveIntact,
          }
        : null,
      algorithm: 'sha256',
      files: described.map((file) => ({
        name: file.name,
        sha256: sha256Hex(file.text),
        bytes: Buffer.byteLength(file.text, 'utf8'),
        description: file.description,
      })),
      notes,
    },
    files: Object.fromEntries(described.map((file) => [file.name, file.text])),
  };
  const safe = loaded.workflowId.replace(/[^A-Za-z0-9_.-]/g, '_');
  return { filename: `${safe}.audit-export.json`, bundle };
}
