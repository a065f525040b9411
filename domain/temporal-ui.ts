import type { MastoflowConfig } from './config';

// Links into the Temporal UI, built from the config alone: the configured UI base
// (notifications.temporalUiUrl), else the dev server's UI when Temporal runs on loopback (the
// UI's port is then known), else none: a deployed server's UI address is not derivable.

export type TemporalUiConfig = Pick<MastoflowConfig, 'temporal' | 'dev'> &
  Partial<Pick<MastoflowConfig, 'notifications'>>;

/** The Temporal UI page of the namespace, or undefined when its address is not known. */
export function temporalUiNamespaceUrl(config: TemporalUiConfig): string | undefined {
  const namespace = encodeURIComponent(config.temporal.namespace);
  const base = config.notifications?.temporalUiUrl;
  if (base) return `${base.replace(/\/+$/, '')}/namespaces/${namespace}`;
  const host = config.temporal.address.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]';
  if (!loopback) return undefined;
  return `http://${host}:${config.dev.temporalUiPort}/namespaces/${namespace}`;
}

/** The Temporal UI page of one workflow (a DAG run: `dag/<dagId>/<day>`). */
export function temporalUiWorkflowUrl(config: TemporalUiConfig, workflowId: string): string | undefined {
  const base = temporalUiNamespaceUrl(config);
  return base && `${base}/workflows/${encodeURIComponent(workflowId)}`;
}
