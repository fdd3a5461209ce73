// A KYC review as a client goes through it: two documents uploaded, the review submitted, and
// operations approving it.
import { randomUUID } from 'node:crypto';
import type { Answer } from '../client.js';
import type { Driver } from './driver.js';
import type { KindDescriptor, Resource } from './model.js';

// Real magic numbers (the upload is judged by its bytes), made unique per client.
const PNG_HEX =
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e00000000049454e44ae426082';
const PDF_TEXT =
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
  'trailer << /Root 1 0 R >>\n%%EOF\n';

/** One document upload, with one Idempotency-Key for all its attempts (the form is built anew for each). */
function upload(
  driver: Driver,
  type: string,
  data: Uint8Array<ArrayBuffer>,
  name: string,
  contentType: string,
): Promise<Answer> {
  const form = () => {
    const body = new FormData();
    body.append('type', type);
    body.append('file', new Blob([data], { type: contentType }), name);
    return body;
  };
  // Lost, it is a stored document and nothing more: no review starts before the submit.
  return driver.create(driver.client, '/kyc/documents', { form }, `upload ${type}`, {
    type: 'kyc_document',
    intended: 'stored',
    amountMinor: 0n,
  });
}

export async function runKyc(driver: Driver): Promise<Resource> {
  // The driver's session, which is the counterparty's for a trade's second side.
  const client = driver.client;
  const salt = new TextEncoder().encode(`\n${randomUUID()}\n`);
  const png = new Uint8Array([...Buffer.from(PNG_HEX, 'hex'), ...salt]);
  const pdf = new Uint8Array([...Buffer.from(PDF_TEXT, 'latin1'), ...salt]);
  await upload(driver, 'passport', png, 'passport.png', 'image/png');
  await upload(driver, 'proof_of_address', pdf, 'bill.pdf', 'application/pdf');
  const review: Resource = {
    type: 'kyc',
    id: client.id,
    workflowId: `kyc-${client.id}`,
    intended: 'APPROVED',
    ownerId: client.id,
    lastStatus: 'NOT_STARTED',
    amountMinor: 0n,
  };
  driver.lifecycle.resources.push(review);
  await driver.act(driver.client, review, '/kyc/submit', {}, ['PENDING_REVIEW'], 'submit KYC');
  await driver.act(
    driver.world.staff.ops,
    review,
    `/ops/kyc/${review.id}/approve`,
    { note: 'documents check out' },
    ['APPROVED'],
    'approve KYC',
  );
  return review;
}

export const KYC_KINDS: Record<string, KindDescriptor> = {
  kyc_approve: {
    weight: 10,
    intended: 'APPROVED',
    mainType: 'kyc',
    partners: [],
    resources: 1,
    run: async (driver) => void (await runKyc(driver)),
  },
};
