// KYC documents (table kyc_document) and the projected KYC status (app_user.kyc_status). The API
// inserts uploads and reads; the KYC workflow's activity (activities/kyc.ts) alone changes a
// document's status and the client's kyc_status. Withdrawal code asks `clientKycStatus`.
import type pg from 'pg';
import type {
  KycContentType,
  KycDocumentFacts,
  KycDocumentStatus,
  KycDocumentType,
  KycStatus,
} from '../../domain/kyc.js';
import { isUuid } from '../../domain/ids.js';

type Db = pg.Pool | pg.PoolClient;

export interface KycDocument extends KycDocumentFacts {
  id: string;
  clientId: string;
  type: KycDocumentType;
  /** The name the client's file had (for people; never used to decide what it is). */
  filename: string;
  /** What the bytes are (magic numbers). */
  contentType: KycContentType;
  sizeBytes: number;
  sha256: string;
  status: KycDocumentStatus;
  uploadedAt: string;
  uploadedBy: string;
  submittedAt: string | null;
  reviewCycle: number | null;
  reviewedAt: string | null;
}

interface DocumentRow {
  id: string;
  client_id: string;
  type: KycDocumentType;
  filename: string;
  content_type: KycContentType;
  size_bytes: number;
  sha256: string;
  status: KycDocumentStatus;
  uploaded_at: Date;
  uploaded_by: string;
  submitted_at: Date | null;
  review_cycle: number | null;
  reviewed_at: Date | null;
}

const COLUMNS = `id, client_id, type, filename, content_type, size_bytes, sha256, status, uploaded_at, uploaded_by,
  submitted_at, review_cycle, reviewed_at`;

function toDocument(row: DocumentRow): KycDocument {
  return {
    id: row.id,
    clientId: row.client_id,
    type: row.type,
    filename: row.filename,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    status: row.status,
    uploadedAt: row.uploaded_at.toISOString(),
    uploadedBy: row.uploaded_by,
    submittedAt: row.submitted_at?.toISOString() ?? null,
    reviewCycle: row.review_cycle,
    reviewedAt: row.reviewed_at?.toISOString() ?? null,
  };
}

export interface NewKycDocument {
  id: string;
  clientId: string;
  type: KycDocumentType;
  filename: string;
  contentType: KycContentType;
  sha256: string;
  content: Buffer;
  uploadedBy: string;
}

/** Stores an upload (UPLOADED); an existing row with the same id (a retried request) is returned as it is. */
export async function insertKycDocument(
  db: Db,
  doc: NewKycDocument,
): Promise<{ document: KycDocument; created: boolean }> {
  const inserted = await db.query<DocumentRow>(
    `INSERT INTO kyc_document (id, client_id, type, filename, content_type, size_bytes, sha256, content, uploaded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      doc.id,
      doc.clientId,
      doc.type,
      doc.filename,
      doc.contentType,
      doc.content.length,
      doc.sha256,
      doc.content,
      doc.uploadedBy,
    ],
  );
  if (inserted.rows[0]) return { document: toDocument(inserted.rows[0]), created: true };
  const existing = await getKycDocument(db, doc.id);
  if (!existing) throw new Error(`KYC document ${doc.id} vanished`);
  return { document: existing, created: false };
}

/** Metadata of one document (no content), or null. */
export async function getKycDocument(db: Db, id: string): Promise<KycDocument | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<DocumentRow>(`SELECT ${COLUMNS} FROM kyc_document WHERE id = $1`, [id]);
  return rows[0] ? toDocument(rows[0]) : null;
}

/** The stored bytes of one document with what they are, or null. */
export async function getKycDocumentContent(
  db: Db,
  id: string,
): Promise<{ document: KycDocument; content: Buffer } | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<DocumentRow & { content: Buffer }>(
    `SELECT ${COLUMNS}, content FROM kyc_document WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? { document: toDocument(row), content: row.content } : null;
}

/** Every document of a client (metadata), newest first. */
export async function listKycDocuments(db: Db, clientId: string): Promise<KycDocument[]> {
  return (await kycDocumentsOfClients(db, [clientId])).get(clientId.toLowerCase()) ?? [];
}

/** listKycDocuments of several clients in one query, keyed by id in lower case; every id has an entry. */
export async function kycDocumentsOfClients(
  db: Db,
  clientIds: readonly string[],
): Promise<Map<string, KycDocument[]>> {
  const result = new Map<string, KycDocument[]>(clientIds.map((id) => [id.toLowerCase(), []]));
  const ids = clientIds.filter(isUuid);
  if (ids.length === 0) return result;
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${COLUMNS} FROM kyc_document WHERE client_id = ANY($1::uuid[])
      ORDER BY client_id, uploaded_at DESC, id DESC`,
    [ids],
  );
  for (const row of rows) result.get(row.client_id)?.push(toDocument(row));
  return result;
}

/** app_user.kyc_status (the KYC workflow's projection), or null for an unknown user. */
export async function clientKycStatus(db: Db, clientId: string): Promise<KycStatus | null> {
  if (!isUuid(clientId)) return null;
  const { rows } = await db.query<{ kyc_status: KycStatus }>(
    `SELECT kyc_status FROM app_user WHERE id = $1`,
    [clientId],
  );
  return rows[0]?.kyc_status ?? null;
}

/** Whether `id` is a client (a KYC has one); false for staff, unknown ids and non-UUIDs. */
export async function isClientUser(db: Db, id: string): Promise<boolean> {
  return (await clientUserIds(db, [id])).has(id.toLowerCase());
}

/** Those of `ids` that are clients (isClientUser of each), in one query, in lower case. */
export async function clientUserIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const uuids = ids.filter(isUuid);
  if (uuids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM app_user WHERE id = ANY($1::uuid[]) AND role = 'client'`,
    [uuids],
  );
  return new Set(rows.map((row) => row.id));
}
