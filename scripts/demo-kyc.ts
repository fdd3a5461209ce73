// The demo clients' KYC, passed the way a real client passes it, once the stack is up (npm start,
// after the server answers): each demo client uploads an identity document and a proof of address
// and submits through the API, which starts their KYC workflow, and the seeded operations user
// approves the review with a note saying the demo seed did it. So the approval is a real KYC
// decision — a workflow timeline, the projected app_user.kyc_status, an audit-log row naming
// ops@example.com — and nothing is written around the workflow.
//
// Idempotent: a client already APPROVED is left alone, one PENDING_REVIEW is only approved, and a
// REJECTED one (final) is reported and skipped.
import { randomUUID } from 'node:crypto';
import { DEMO_PASSWORD, DEMO_USERS } from '../db/seed.js';

export const DEMO_KYC_APPROVER = 'ops@example.com';
export const DEMO_KYC_NOTE = 'Demo seed (npm start): demo documents approved automatically';
const APPROVED_WAIT_MS = 20_000;
const UNAVAILABLE_RETRIES = 30;

interface Answer {
  status: number;
  body: any;
}

/**
 * One API call. A 503 (at start the worker may not poll yet, so the workflow does not answer within
 * the server's deadline) is retried with the same Idempotency-Key and X-Request-Id: the same request.
 */
async function call(
  apiUrl: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown; form?: FormData } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'x-request-id': randomUUID() };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.method === 'POST') headers['idempotency-key'] = randomUUID();
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 1; ; attempt++) {
    const answer = await fetch(`${apiUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
    });
    const text = await answer.text();
    if (answer.status !== 503 || attempt >= UNAVAILABLE_RETRIES) {
      return { status: answer.status, body: text ? JSON.parse(text) : null };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function expectStatus(answer: Answer, expected: number, what: string): void {
  if (answer.status !== expected) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body?.error ?? answer.body)}`);
  }
}

async function signIn(apiUrl: string, email: string): Promise<{ token: string; id: string }> {
  const answer = await call(apiUrl, '/auth/login', {
    method: 'POST',
    json: { email, password: DEMO_PASSWORD },
  });
  expectStatus(answer, 200, `sign-in of ${email}`);
  return { token: answer.body.accessToken, id: answer.body.user.id };
}

/** A one-page PDF naming the demo client (its own bytes, so two clients' files never share a hash). */
function demoPdf(email: string, title: string): Blob {
  const text =
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
    '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
    `% clearhouse demo document: ${title} of ${email}\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
  return new Blob([Buffer.from(text, 'latin1')], { type: 'application/pdf' });
}

async function upload(apiUrl: string, token: string, email: string, type: string): Promise<void> {
  const form = new FormData();
  form.append('type', type);
  form.append('file', demoPdf(email, type), `demo-${type}.pdf`);
  expectStatus(
    await call(apiUrl, '/kyc/documents', { method: 'POST', token, form }),
    201,
    `upload (${type})`,
  );
}

async function waitForApproval(apiUrl: string, token: string, email: string): Promise<void> {
  const deadline = Date.now() + APPROVED_WAIT_MS;
  for (;;) {
    const me = await call(apiUrl, '/me', { token });
    if (me.body?.kycStatus === 'APPROVED') return;
    if (Date.now() > deadline) throw new Error(`${email}: KYC is ${me.body?.kycStatus}, not APPROVED`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Each demo client ends with KYC APPROVED through the KYC workflow; answers what was done per client. */
export async function approveDemoKyc(apiUrl: string): Promise<Record<string, string>> {
  const done: Record<string, string> = {};
  const ops = await signIn(apiUrl, DEMO_KYC_APPROVER);
  for (const { email } of DEMO_USERS.filter((u) => u.role === 'client')) {
    const client = await signIn(apiUrl, email);
    const kyc = await call(apiUrl, '/kyc', { token: client.token });
    expectStatus(kyc, 200, `KYC of ${email}`);
    const status: string = kyc.body.status;
    if (status === 'APPROVED' || status === 'REJECTED') {
      done[email] = `already ${status}`;
      continue;
    }
    if (status !== 'PENDING_REVIEW') {
      await upload(apiUrl, client.token, email, 'passport');
      await upload(apiUrl, client.token, email, 'proof_of_address');
      expectStatus(
        await call(apiUrl, '/kyc/submit', { method: 'POST', token: client.token, json: {} }),
        200,
        `KYC submission of ${email}`,
      );
    }
    const approved = await call(apiUrl, `/ops/kyc/${client.id}/approve`, {
      method: 'POST',
      token: ops.token,
      json: { note: DEMO_KYC_NOTE },
    });
    expectStatus(approved, 200, `KYC approval of ${email}`);
    await waitForApproval(apiUrl, client.token, email);
    done[email] = `approved by ${DEMO_KYC_APPROVER}`;
  }
  return done;
}
