// The routing plan as a Gateway API HTTPRoute (gateway.networking.k8s.io/v1). A gateway picks the
// match with the longest path prefix, then one with a method, then the most header matches — not
// the first rule written — so every listed prefix gets the matches that, under that precedence,
// give what router.ts answers when that prefix is the deepest one matching.
import { RdpError } from '../errors.js';
import { FRONTEND_METHODS, type Upstream } from '../router.js';
import type { ClusterOptions } from './kubernetes-options.js';
import type { Behavior, RoutingPlan, Target } from './plan.js';
import { entry, type YamlMap, type YamlValue } from './yaml.js';

interface RoutedMatch {
  readonly match: YamlMap;
  readonly upstream: Upstream;
  /** The match carries a WebSocket or a Reflex stream, which must not be cut by a request timeout. */
  readonly longLived: boolean;
}

// The API's limits: 16 rules of 8 matches each.
const MATCHES_PER_RULE = 8;
const MAX_RULES = 16;
export const UPGRADE_HEADER = { type: 'Exact', name: 'Upgrade', value: 'websocket' } as const;

function upstreamOf(target: Target): Upstream {
  // --frontend-dir (static, 404) is refused for a cluster; a 405 is never routed, only left unmatched.
  if (target !== 'django' && target !== 'reflex' && target !== 'frontend') throw new Error(`no Service answers ${target}`);
  return target;
}

function matchesFor(prefix: string, behavior: Behavior): RoutedMatch[] {
  const path = { type: 'PathPrefix', value: prefix };
  const routed: RoutedMatch[] = [];
  if (behavior.upgrade !== behavior.safe) {
    // A handshake is a GET: with the method named, this match outranks the GET match below.
    routed.push({ match: { path, method: 'GET', headers: [UPGRADE_HEADER] }, upstream: upstreamOf(behavior.upgrade), longLived: true });
  }
  const safe = upstreamOf(behavior.safe);
  const longLived = safe === 'reflex';
  if (behavior.other === behavior.safe) return [...routed, { match: { path }, upstream: safe, longLived }];
  // Other methods (rule 5's 405) match nothing here, nor under any shorter prefix: the gateway's 404.
  if (behavior.other !== 405) throw new Error(`no HTTPRoute match for other methods to ${behavior.other}`);
  return [...routed, ...FRONTEND_METHODS.map((method) => ({ match: { path, method }, upstream: safe, longLived }))];
}

function rulesOf(plan: RoutingPlan, options: ClusterOptions): YamlValue[] {
  const all = [...plan.prefixRules.flatMap((rule) => matchesFor(rule.prefix, rule.behavior)), ...matchesFor('/', plan.fallback)];
  const groups = new Map<string, RoutedMatch[]>();
  for (const upstream of ['reflex', 'django', 'frontend'] as const) {
    for (const longLived of [true, false]) {
      const members = all.filter((entry) => entry.upstream === upstream && entry.longLived === longLived);
      if (members.length > 0) groups.set(`${upstream}:${longLived}`, members);
    }
  }
  const rules: YamlValue[] = [];
  for (const members of groups.values()) {
    const { upstream, longLived } = members[0]!;
    const service = options.services[upstream];
    for (let start = 0; start < members.length; start += MATCHES_PER_RULE) {
      rules.push({
        matches: members.slice(start, start + MATCHES_PER_RULE).map((member) => member.match),
        backendRefs: [{ name: service.name, port: service.port }],
        // "0s" turns the request timeout off (where the gateway supports timeouts, an Extended feature).
        ...entry('timeouts', longLived ? { request: '0s' } : undefined),
      });
    }
  }
  if (rules.length > MAX_RULES) {
    throw new RdpError(
      'RDP_ERR_INVALID_OPTION',
      `export kubernetes: ${all.length} path matches need ${rules.length} HTTPRoute rules, more than the ${MAX_RULES} one HTTPRoute holds; list fewer Django prefixes with --django-prefix`,
    );
  }
  return rules;
}

export function httpRoute(plan: RoutingPlan, options: ClusterOptions, name: string): YamlValue {
  const { gateway } = options;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, ...entry('namespace', options.namespace) },
    spec: {
      ...entry('parentRefs', gateway === undefined ? undefined : [{ name: gateway.name, ...entry('namespace', gateway.namespace) }]),
      hostnames: [options.host],
      rules: rulesOf(plan, options),
    },
  };
}
