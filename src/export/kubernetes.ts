// `export kubernetes`: the routing plan for a cluster, as two documents — a Gateway API HTTPRoute
// and an ingress-nginx Ingress — in front of the Services named on the command line. Both engines
// pick a rule by their own precedence, not by its place in the file; comments say where that
// precedence cannot give the proxy's decision.
import type { ResolvedConfig } from '../config/resolve.js';
import { RdpError } from '../errors.js';
import { differencesFor, ENGINE_NAMES } from './differences.js';
import { httpRoute } from './gateway-api.js';
import { ingress } from './ingress-nginx.js';
import type { ClusterOptions } from './kubernetes-options.js';
import { differenceLines, planRouting, type RoutingPlan, routingLines } from './plan.js';
import { renderYaml } from './yaml.js';

const NAME = 'reflex-django';
// What both an Ingress path and an HTTPRoute path match accept: whole segments of these characters.
const PORTABLE_PREFIX = /^(\/[A-Za-z0-9._-]+)+$/;

function clusterRouting(config: ResolvedConfig): RoutingPlan {
  if (config.frontendDir !== undefined) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--frontend-dir: a cluster serves the frontend from a Service; give --reflex-frontend-service NAME:PORT instead');
  }
  // The cluster documents are written and tested for django_outer with a frontend Service only.
  if (config.layout === 'split') {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--layout split: export kubernetes writes only the django-outer layout; leave --layout out, or export nginx, caddy or haproxy for split (docs/layouts.md)');
  }
  if (config.reflexSinglePort) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--reflex-single-port: export kubernetes needs a frontend Service; leave the flag out, or export nginx, caddy or haproxy for a single-port Reflex (docs/layouts.md)');
  }
  const plan = planRouting(config);
  for (const { prefix } of plan.prefixRules) {
    if (!PORTABLE_PREFIX.test(prefix) || /\/\.{1,2}(\/|$)/.test(prefix)) {
      throw new RdpError(
        'RDP_ERR_INVALID_OPTION',
        `export kubernetes: the prefix ${JSON.stringify(prefix)} cannot be an Ingress path or HTTPRoute path match (letters, digits and . _ - between slashes only); list the prefixes yourself with --django-prefix`,
      );
    }
  }
  return plan;
}

export function renderKubernetes(config: ResolvedConfig, options: ClusterOptions, provenance: readonly string[]): string {
  const plan = clusterRouting(config);
  const service = (upstream: keyof ClusterOptions['services']): string => `Service ${options.services[upstream].name}:${options.services[upstream].port}`;
  const where = options.namespace === undefined ? "kubectl's current namespace" : `namespace ${options.namespace}`;
  const header = [
    ...provenance,
    '',
    ...routingLines(plan, { reflex: service('reflex'), django: service('django'), frontend: service('frontend') }),
    '',
    `Two resources for the same routing of ${options.host}, both in ${where}:`,
    'a Gateway API HTTPRoute and an ingress-nginx Ingress. Apply the one your cluster runs (kubectl',
    'apply -f FILE applies both; a cluster without the Gateway API CRDs reports "no matches for kind',
    'HTTPRoute" and applies the Ingress).',
    'Each engine picks a rule by its own precedence, not by order: the rules below are written so that',
    'its precedence gives the decisions above, and tested against a model of it (no cluster was used).',
  ];
  const routeComments = [
    'Gateway API: the longest path prefix wins, then a match naming a method, then the most header matches.',
    options.gateway === undefined ? 'No parentRefs: attach it to your Gateway with --gateway NAME (or NAMESPACE/NAME).' : `Attached to the Gateway ${options.gateway.namespace === undefined ? '' : `${options.gateway.namespace}/`}${options.gateway.name}, which holds the listener and its TLS certificate.`,
    ...differenceLines(`the ${ENGINE_NAMES['gateway-api']}`, differencesFor('gateway-api')),
  ];
  const ingressComments = [
    'ingress-nginx: the longest Prefix path wins (nginx locations "= /p" and "/p/").',
    'Keep use-regex off on every Ingress of this host: with it, ingress-nginx makes all of its paths case-insensitive regexes.',
    ...(options.https ? ['TLS: add spec.tls with the Secret of your certificate for this host (cert-manager can make it).'] : []),
    ...(config.trustProxy ? ['--trust-proxy: set use-forwarded-headers: "true" in the controller\'s ConfigMap to keep the X-Forwarded-* of a proxy in front.'] : []),
    ...differenceLines(ENGINE_NAMES['ingress-nginx'], differencesFor('ingress-nginx')),
  ];
  return renderYaml([
    { comments: [...header, '', ...routeComments], value: httpRoute(plan, options, NAME) },
    { comments: ingressComments, value: ingress(plan, options, NAME) },
  ]);
}
