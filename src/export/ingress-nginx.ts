// The routing plan as an ingress-nginx Ingress (networking.k8s.io/v1). ingress-nginx turns each
// Prefix path /p into nginx's `location = /p` and `location /p/`, so the longest prefix decides, as
// the deepest listed prefix does in router.ts. An Ingress matches neither methods nor headers: each
// prefix goes where that prefix's requests must go for the app to work (docs/export.md).
import type { Upstream } from '../router.js';
import type { ClusterOptions } from './kubernetes-options.js';
import type { Behavior, RoutingPlan } from './plan.js';
import { entry, type YamlValue } from './yaml.js';

const ANNOTATION = 'nginx.ingress.kubernetes.io';

/** The annotations Reflex needs; ingress-nginx applies them to every path of the Ingress. */
export const INGRESS_ANNOTATIONS: Readonly<Record<string, string>> = {
  // Idle Socket.IO and HMR sockets outlive the 60 s default (Socket.IO pings every 25 s).
  [`${ANNOTATION}/proxy-read-timeout`]: '3600',
  [`${ANNOTATION}/proxy-send-timeout`]: '3600',
  // No body cap: the default 1m answers a large upload with an HTML 413 Reflex's client cannot read.
  [`${ANNOTATION}/proxy-body-size`]: '0',
  // Uploads and responses (NDJSON upload progress, server-sent events) stream both ways.
  [`${ANNOTATION}/proxy-request-buffering`]: 'off',
  [`${ANNOTATION}/proxy-buffering`]: 'off',
  // HTTP/1.1 to the Pods: what a WebSocket upgrade needs.
  [`${ANNOTATION}/proxy-http-version`]: '1.1',
  // Regex paths are case-insensitive in ingress-nginx: prefixes must stay plain, case-sensitive ones.
  [`${ANNOTATION}/use-regex`]: 'false',
};

/** An Ingress path cannot tell an upgrade from a plain request: the one that reaches Django or Reflex wins. */
export function ingressUpstream(behavior: Behavior): Upstream {
  const routed = [behavior.upgrade, behavior.safe].find((target) => target === 'reflex' || target === 'django');
  return routed ?? 'frontend';
}

export function ingress(plan: RoutingPlan, options: ClusterOptions, name: string): YamlValue {
  const path = (prefix: string, upstream: Upstream): YamlValue => ({
    path: prefix,
    pathType: 'Prefix',
    backend: { service: { name: options.services[upstream].name, port: { number: options.services[upstream].port } } },
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, ...entry('namespace', options.namespace), annotations: INGRESS_ANNOTATIONS },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: options.host,
          http: { paths: [...plan.prefixRules.map((rule) => path(rule.prefix, ingressUpstream(rule.behavior))), path('/', ingressUpstream(plan.fallback))] },
        },
      ],
    },
  };
}
