// KYC over HTTP: uploads (judged by their bytes), submission, review decisions, expiry, and who may
// do what. The real server, a real worker, the Temporal dev server and PostgreSQL.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, post, startApiWorld, type ApiWorld, type Person } from './helpers.js';

let w: ApiWorld;
let ops: Person;
let admin: Person;
let aml: Person;
let auditor: Person;

const LONG_POLICY = JSON.stringify({ approvalValidityMs: 600_000, reviewDueMs: 60_000 });

beforeAll(async () => {
  process.env.KYC_POLICY_JSON = LONG_POLICY;
  w = await startApiWorld();
  [ops, admin, aml, auditor] = await Promise.all([
    w.person('operations'),
    w.person('admin'),
    w.person('aml_officer'),
    w.person('auditor'),
  ]);
});

afterAll(async () => {
  delete process.env.KYC_POLICY_JSON;
  await w?.stop();
});

// ---- sample files: real magic numbers -------------------------------------------------------------

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e00000000049454e44ae426082',
  'hex',
);
const JPEG = Buffer.concat([
  Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
  Buffer.alloc(64, 0x20),
  Buffer.from('ffd9', 'hex'),
]);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
    'trailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);
const TEXT = Buffer.from('This is not a scan of my passport, just some text.\n', 'utf8');
const GIF = Buffer.from('474946383961010001000000002c00000000010001000002024401003b', 'hex');

/** Unique bytes of a kind (so two uploads never share a hash). */
const unique = (base: Buffer) => Buffer.concat([base, Buffer.from(`\n${randomUUID()}\n`)]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function uploadAs(
  person: Person,
  file: { data: Buffer; name: string; type?: string } | null,
  docType: string | null = 'passport',
  key: string | null = randomUUID(),
) {
  const form = new FormData();
  if (docType !== null) form.append('type', docType);
  if (file)
    form.append(
      'file',
      new Blob([new Uint8Array(file.data)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  return w.as(person, '/kyc/documents', {
    method: 'POST',
    body: form,
    ...(key === null ? {} : { idempotencyKey: key }),
  });
}

async function uploaded(
  person: Person,
  docType: string,
  file: { data: Buffer; name: string; type?: string },
) {
  const answer = await uploadAs(person, file, docType);
  expect(answer.status, answer.text).toBe(201);
  return answer.body as { id: string; sha256: string; [key: string]: unknown };
}

async function documentsOf(clientId: string): Promise<number> {
  const { rows } = await w.app.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM kyc_document WHERE client_id = $1`,
    [clientId],
  );
  return Number(rows[0]!.n);
}

async function kycStatusOf(clientId: string): Promise<string> {
  const { rows } = await w.app.pool.query<{ kyc_status: string }>(
    `SELECT kyc_status FROM app_user WHERE id = $1`,
    [clientId],
  );
  return rows[0]!.kyc_status;
}

/** A client with an identity document and a proof of address on file. */
async function readyClient(): Promise<{ client: Person; passport: string; bill: string }> {
  const client = await w.person('client');
  const passport = await uploaded(client, 'passport', {
    data: unique(PNG),
    name: 'passport.png',
    type: 'image/png',
  });
  const bill = await uploaded(client, 'proof_of_address', {
    data: unique(PDF),
    name: 'bill.pdf',
    type: 'application/pdf',
  });
  return { client, passport: passport.id, bill: bill.id };
}

const submit = (person: Person) => post(w, person, '/kyc/submit', {});
const path = (kyc: { timeline: { from: string | null; to: string }[] }) =>
  kyc.timeline.map((e) => `${e.from ?? '∅'}→${e.to}`);

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the KYC flow over HTTP', () => {
  it('upload → checklist → submit → inbox → request changes → resubmit → approve; status gates', async () => {
    const client = await w.person('client');
    const empty = await w.as(client, '/kyc');
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toMatchObject({
      clientId: client.id,
      status: 'NOT_STARTED',
      workflowId: null,
      documents: [],
      timeline: [],
    });
    expect(empty.body.missing.map((m: { requirement: string }) => m.requirement)).toEqual([
      'identity_document',
      'proof_of_address',
    ]);
    expectError(await submit(client), 422, 'kyc_documents_missing');

    const passportBytes = unique(JPEG);
    const passport = await uploaded(client, 'passport', {
      data: passportBytes,
      name: 'passport.jpg',
      type: 'image/jpeg',
    });
    expect(passport).toMatchObject({
      type: 'passport',
      contentType: 'image/jpeg',
      filename: 'passport.jpg',
      sizeBytes: passportBytes.length,
      sha256: sha256(passportBytes),
      status: 'UPLOADED',
      current: true,
      url: `/api/v1/kyc/documents/${passport.id}/content`,
    });
    const { rows } = await w.app.pool.query(
      `SELECT sha256, size_bytes, content FROM kyc_document WHERE id = $1`,
      [passport.id],
    );
    expect(rows[0].sha256).toBe(sha256(passportBytes));
    expect(Buffer.compare(rows[0].content, passportBytes)).toBe(0);

    const halfway = await w.as(client, '/kyc');
    expect(halfway.body.missing).toEqual([
      {
        requirement: 'proof_of_address',
        acceptedTypes: ['proof_of_address'],
        description: expect.any(String),
      },
    ]);
    const missing = await submit(client);
    expectError(missing, 422, 'kyc_documents_missing');
    expect(missing.body.error.details.missing.map((m: { requirement: string }) => m.requirement)).toEqual([
      'proof_of_address',
    ]);
    expect(
      (await w.app.pool.query(`SELECT 1 FROM lifecycle WHERE workflow_id = $1`, [`kyc-${client.id}`]))
        .rowCount,
    ).toBe(0);

    const billBytes = unique(PDF);
    const bill = await uploaded(client, 'proof_of_address', {
      data: billBytes,
      name: 'utility-bill.PDF',
      type: 'application/pdf',
    });

    // The same key and the same file replay; the same key with another file is a conflict.
    const key = randomUUID();
    const extraBytes = unique(PNG);
    const extra = await uploadAs(
      client,
      { data: extraBytes, name: 'kbis.png', type: 'image/png' },
      'company_registration',
      key,
    );
    expect(extra.status, extra.text).toBe(201);
    const replay = await uploadAs(
      client,
      { data: extraBytes, name: 'kbis.png', type: 'image/png' },
      'company_registration',
      key,
    );
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(extra.body.id);
    expectError(
      await uploadAs(
        client,
        { data: unique(PNG), name: 'kbis.png', type: 'image/png' },
        'company_registration',
        key,
      ),
      409,
      'idempotency_conflict',
    );
    expect(await documentsOf(client.id)).toBe(3);

    // Submit: PENDING_REVIEW, the workflow exists now, kyc_status projected.
    const submitted = await submit(client);
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.body).toMatchObject({
      status: 'PENDING_REVIEW',
      workflowId: `kyc-${client.id}`,
      missing: [],
      submission: { cycle: 1 },
      allowedActions: [],
    });
    expect(submitted.body.submission.documentIds.sort()).toEqual(
      [passport.id, bill.id, extra.body.id].sort(),
    );
    expect(path(submitted.body)).toEqual(['∅→NOT_STARTED', 'NOT_STARTED→PENDING_REVIEW']);
    expect(await kycStatusOf(client.id)).toBe('PENDING_REVIEW');
    expect((await w.as(client, '/me')).body.kycStatus).toBe('PENDING_REVIEW');
    expectError(await submit(client), 409, 'invalid_state');

    // The inbox: a kyc.review task for operations, linked to the client.
    const inbox = await w.as(ops, '/tasks?kind=kyc.review&limit=200');
    const task = inbox.body.items.find((t: { subjectId: string }) => t.subjectId === client.id);
    expect(task).toMatchObject({
      kind: 'kyc.review',
      requiredRole: 'operations',
      workflowId: `kyc-${client.id}`,
      subject: { type: 'kyc', id: client.id, status: 'PENDING_REVIEW', clientEmail: client.email },
    });
    const staff = await w.as(ops, `/kyc?clientId=${client.id}`);
    expect(staff.body).toMatchObject({
      status: 'PENDING_REVIEW',
      clientEmail: client.email,
      allowedActions: ['approve', 'reject', 'request_changes'],
    });
    expect(staff.body.openTasks).toEqual([expect.objectContaining({ kind: 'kyc.review', status: 'open' })]);
    const reviews = await w.as(ops, '/kyc/reviews?status=PENDING_REVIEW&limit=200');
    expect(reviews.body.items.find((r: { clientId: string }) => r.clientId === client.id)).toMatchObject({
      clientEmail: client.email,
      status: 'PENDING_REVIEW',
      cycle: 1,
    });

    // Documents are served inline with their content type to staff and the owner.
    for (const reader of [ops, client, auditor]) {
      const file = await fetch(`${w.app.url}${passport.url}`, {
        headers: { authorization: `Bearer ${reader.token}` },
      });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/jpeg');
      expect(file.headers.get('content-disposition')).toMatch(/^inline; filename="passport.jpg"/);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'/);
      expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), passportBytes)).toBe(0);
    }
    const pdf = await fetch(`${w.app.url}/api/v1/kyc/documents/${bill.id}/content`, {
      headers: { authorization: `Bearer ${ops.token}` },
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.compare(Buffer.from(await pdf.arrayBuffer()), billBytes)).toBe(0);

    // Changes requested: the client sees the comments and may resubmit.
    expectError(
      await post(w, ops, `/ops/kyc/${client.id}/request-changes`, { comments: '' }),
      400,
      'validation_failed',
    );
    const changes = await post(w, ops, `/ops/kyc/${client.id}/request-changes`, {
      comments: 'The bill is older than three months. Please upload a recent one.',
    });
    expect(changes.status, changes.text).toBe(200);
    expect(changes.body.status).toBe('CHANGES_REQUESTED');
    const seen = await w.as(client, '/kyc');
    expect(seen.body).toMatchObject({
      status: 'CHANGES_REQUESTED',
      decision: {
        action: 'request_changes',
        text: 'The bill is older than three months. Please upload a recent one.',
      },
      allowedActions: ['submit'],
      missing: [],
    });
    expect(seen.body.timeline.at(-1).reason).toBe(
      'The bill is older than three months. Please upload a recent one.',
    );
    expect(await kycStatusOf(client.id)).toBe('CHANGES_REQUESTED');

    const newBill = await uploaded(client, 'proof_of_address', { data: unique(PDF), name: 'bill-march.pdf' });
    const current = (await w.as(client, '/kyc')).body.documents
      .filter((d: { current: boolean }) => d.current)
      .map((d: { id: string }) => d.id);
    expect(current.sort()).toEqual([passport.id, newBill.id, extra.body.id].sort());
    const resubmitted = await submit(client);
    expect(resubmitted.status, resubmitted.text).toBe(200);
    expect(resubmitted.body).toMatchObject({ status: 'PENDING_REVIEW', submission: { cycle: 2 } });
    expect(resubmitted.body.submission.documentIds).not.toContain(bill.id);

    const approved = await post(w, admin, `/ops/kyc/${client.id}/approve`, {
      note: 'Verified against passport',
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'APPROVED', decision: { action: 'approve' } });
    expect(approved.body.expiresAt).not.toBeNull();
    expect(path(approved.body)).toEqual([
      '∅→NOT_STARTED',
      'NOT_STARTED→PENDING_REVIEW',
      'PENDING_REVIEW→CHANGES_REQUESTED',
      'CHANGES_REQUESTED→PENDING_REVIEW',
      'PENDING_REVIEW→APPROVED',
    ]);
    expect(await kycStatusOf(client.id)).toBe('APPROVED');
    expect((await w.as(client, '/me')).body.kycStatus).toBe('APPROVED');
    expectError(await post(w, ops, `/ops/kyc/${client.id}/approve`, {}), 409, 'invalid_state');
    const docs = (await w.as(client, '/kyc')).body.documents as { id: string; status: string }[];
    expect(Object.fromEntries(docs.map((d) => [d.id, d.status]))).toEqual({
      [passport.id]: 'ACCEPTED',
      [bill.id]: 'RETURNED',
      [newBill.id]: 'ACCEPTED',
      [extra.body.id]: 'ACCEPTED',
    });
  });

  it('reject needs a reason, is final, and stops further submissions and uploads', async () => {
    const { client } = await readyClient();
    expect((await submit(client)).status).toBe(200);
    expectError(await post(w, ops, `/ops/kyc/${client.id}/reject`, {}), 400, 'validation_failed');
    const rejected = await post(w, ops, `/ops/kyc/${client.id}/reject`, {
      reason: 'The identity document is forged',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'REJECTED',
      decision: { action: 'reject', text: 'The identity document is forged' },
    });
    expect(await kycStatusOf(client.id)).toBe('REJECTED');
    expectError(await submit(client), 409, 'invalid_state');
    expectError(
      await uploadAs(client, { data: unique(PNG), name: 'again.png' }, 'passport'),
      409,
      'invalid_state',
    );
    expectError(await post(w, ops, `/ops/kyc/${client.id}/approve`, {}), 409, 'invalid_state');
  });

  it('an approval expires to EXPIRED, which asks for fresh documents and a new review', async () => {
    process.env.KYC_POLICY_JSON = JSON.stringify({ approvalValidityMs: 2_000, reviewDueMs: 60_000 });
    try {
      const { client } = await readyClient();
      expect((await submit(client)).status).toBe(200);
      expect((await post(w, ops, `/ops/kyc/${client.id}/approve`, {})).body.status).toBe('APPROVED');
      const expired = await waitFor(
        () => w.as(client, '/kyc').then((a) => a.body),
        (kyc) => kyc.status === 'EXPIRED',
      );
      expect(expired.status).toBe('EXPIRED');
      expect(path(expired).at(-1)).toBe('APPROVED→EXPIRED');
      expect(expired.missing.map((m: { requirement: string }) => m.requirement)).toEqual([
        'identity_document',
        'proof_of_address',
      ]);
      expect(expired.allowedActions).toEqual(['submit']);
      expect(await kycStatusOf(client.id)).toBe('EXPIRED');
      expectError(await submit(client), 422, 'kyc_documents_missing');

      await uploaded(client, 'national_id', { data: unique(PNG), name: 'id-card.png' });
      await uploaded(client, 'proof_of_address', { data: unique(PDF), name: 'bill.pdf' });
      const again = await waitFor(
        () => submit(client),
        (a) => a.status !== 409,
        5_000,
      );
      expect(again.status, again.text).toBe(200);
      expect(again.body).toMatchObject({ status: 'PENDING_REVIEW', submission: { cycle: 2 } });
    } finally {
      process.env.KYC_POLICY_JSON = LONG_POLICY;
    }
  });
});

describe('uploads that are refused: 400 and nothing stored', () => {
  const ELEVEN_MB = 11 * 1024 * 1024;
  it.each([
    [
      'a file over 10 MB',
      {
        data: Buffer.concat([PNG, Buffer.alloc(ELEVEN_MB - PNG.length)]),
        name: 'huge.png',
        type: 'image/png',
      },
      'too_big',
    ],
    [
      'a file of 10 MB and one byte',
      {
        data: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024 + 1 - PDF.length)]),
        name: 'big.pdf',
        type: 'application/pdf',
      },
      'too_big',
    ],
    [
      'a .pdf name with PNG content',
      { data: unique(PNG), name: 'passport.pdf', type: 'application/pdf' },
      'mislabelled_file',
    ],
    [
      'a .pdf name with text content',
      { data: TEXT, name: 'passport.pdf', type: 'application/pdf' },
      'unsupported_file_type',
    ],
    ['a text file named .png', { data: TEXT, name: 'scan.png', type: 'image/png' }, 'unsupported_file_type'],
    [
      'a PDF declared as image/png',
      { data: unique(PDF), name: 'scan', type: 'image/png' },
      'mislabelled_file',
    ],
    [
      'a JPEG named .png',
      { data: unique(JPEG), name: 'photo.png', type: 'application/octet-stream' },
      'mislabelled_file',
    ],
    ['a GIF', { data: GIF, name: 'scan.gif', type: 'image/gif' }, 'unsupported_file_type'],
    ['an empty file', { data: Buffer.alloc(0), name: 'empty.pdf', type: 'application/pdf' }, 'too_small'],
  ])('%s', async (_label, file, code) => {
    const client = await w.person('client');
    const answer = await uploadAs(client, file, 'passport');
    expectError(answer, 400, 'validation_failed');
    expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'file', code })]);
    expect(answer.body.error.message.length).toBeGreaterThan(10);
    expect(await documentsOf(client.id)).toBe(0);
    const { rows } = await w.app.pool.query(`SELECT 1 FROM idempotency_record WHERE user_id = $1`, [
      client.id,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('a missing file, an unknown type, a missing key', async () => {
    const client = await w.person('client');
    const noFile = await uploadAs(client, null, 'passport');
    expectError(noFile, 400, 'validation_failed');
    expect(noFile.body.error.details.issues[0].path).toBe('file');
    const badType = await uploadAs(client, { data: unique(PNG), name: 'x.png' }, 'selfie');
    expectError(badType, 400, 'validation_failed');
    expect(badType.body.error.details.issues[0].path).toBe('type');
    expectError(await uploadAs(client, { data: unique(PNG), name: 'x.png' }, null), 400, 'validation_failed');
    expectError(
      await uploadAs(client, { data: unique(PNG), name: 'x.png' }, 'passport', null),
      400,
      'validation_failed',
    );
    const wrongField = new FormData();
    wrongField.append('type', 'passport');
    wrongField.append('document', new Blob([new Uint8Array(unique(PNG))]), 'x.png');
    expectError(
      await w.as(client, '/kyc/documents', {
        method: 'POST',
        body: wrongField,
        idempotencyKey: randomUUID(),
      }),
      400,
      'validation_failed',
    );
    expect(await documentsOf(client.id)).toBe(0);
    // A PNG with no file name ending is judged by its bytes alone.
    const plain = await uploadAs(
      client,
      { data: unique(PNG), name: 'scan', type: 'application/octet-stream' },
      'passport',
    );
    expect(plain.status, plain.text).toBe(201);
    expect(plain.body.contentType).toBe('image/png');
  });
});

describe('who may do what', () => {
  let subject: { client: Person; passport: string; bill: string };
  let stranger: Person;
  beforeAll(async () => {
    subject = await readyClient();
    stranger = await w.person('client');
    expect((await submit(subject.client)).status).toBe(200);
  });

  it('only clients upload and submit their own; staff cannot do it for them', async () => {
    for (const person of [ops, admin, auditor]) {
      expectError(await uploadAs(person, { data: unique(PNG), name: 'x.png' }, 'passport'), 403, 'forbidden');
      expectError(await submit(person), 403, 'forbidden');
    }
    expectError(await w.as(null, '/kyc'), 401, 'unauthenticated');
  });

  it('clients cannot decide; AML officers and auditors cannot either', async () => {
    const { client } = subject;
    expectError(await post(w, client, `/ops/kyc/${client.id}/approve`, {}), 403, 'forbidden');
    expectError(
      await post(w, client, `/ops/kyc/${client.id}/request-changes`, { comments: 'x' }),
      403,
      'forbidden',
    );
    expectError(await post(w, aml, `/ops/kyc/${client.id}/approve`, {}), 403, 'forbidden');
    expectError(await post(w, auditor, `/ops/kyc/${client.id}/approve`, {}), 403, 'forbidden');
    expectError(await post(w, auditor, `/ops/kyc/${client.id}/reject`, { reason: 'x' }), 403, 'forbidden');
    expectError(await post(w, ops, `/ops/kyc/${stranger.id}/approve`, {}), 404, 'not_found');
    expectError(await post(w, ops, `/ops/kyc/not-a-uuid/approve`, {}), 404, 'not_found');
    expect((await w.as(client, '/kyc')).body.status).toBe('PENDING_REVIEW');
  });

  it('nobody sees another client’s KYC or documents; staff must name the client', async () => {
    const { client, passport } = subject;
    expectError(await w.as(stranger, `/kyc?clientId=${client.id}`), 404, 'not_found');
    expectError(await w.as(stranger, `/kyc/documents/${passport}`), 404, 'not_found');
    expectError(await w.as(stranger, `/kyc/documents/${passport}/content`), 404, 'not_found');
    expectError(await w.as(ops, '/kyc'), 400, 'validation_failed');
    expectError(await w.as(ops, `/kyc?clientId=${ops.id}`), 404, 'not_found');
    expectError(await w.as(stranger, '/kyc/reviews'), 403, 'forbidden');
    const read = await w.as(auditor, `/kyc?clientId=${client.id}`);
    expect(read.status).toBe(200);
    expect(read.body.allowedActions).toEqual([]);
    expect((await w.as(client, `/kyc/documents/${passport}`)).body).toMatchObject({
      id: passport,
      type: 'passport',
    });
  });
});
