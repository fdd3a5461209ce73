// Where staff open a lifecycle's workflow in the Temporal UI (TEMPORAL_UI_URL, the dev server's UI by
// default), from every lifecycle page.
const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

export function temporalUiLink(workflowId: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = (env.TEMPORAL_UI_URL || DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, '');
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
