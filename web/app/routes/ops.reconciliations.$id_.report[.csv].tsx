// /ops/reconciliations/:id/report.csv: the reconciliation's report (every line, then every break,
// with its outcome), streamed page by page from the same service as the JSON route.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { loadOr404 } from '../not-found.server.js';
import { requireUser } from '../session.server.js';
import { RECONCILIATION_READERS } from './ops.reconciliations._index.js';

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const user = requireUser(context, request, RECONCILIATION_READERS);
  const report = await loadOr404(() => context.services.reconciliations.report(user, params.id ?? ''));
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await report.chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${report.filename}"`,
      'Cache-Control': 'no-store',
    },
  });
}
