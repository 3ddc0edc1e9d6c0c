// The routing table in force, and the answer for one path, in the shape `routes --json` prints and
// /__rdp/routes serves (docs/routing.md §6).
import type { ResolvedConfig, SourcedPrefix } from './resolve.js';
import { statusFor } from '../errors.js';
import { type Decision, type Rule, route } from '../router.js';

const RULE_NAMES: Readonly<Record<Rule, string>> = Object.freeze({
  0: "the proxy's own namespace /__rdp/",
  1: 'reserved Reflex prefix → Reflex backend',
  2: 'WebSocket upgrade → frontend dev server (HMR), or --django-ws-prefix → Django',
  3: 'Django prefix → Django',
  4: 'anything else, GET/HEAD/OPTIONS → frontend',
  5: 'anything else, other methods → 405',
});

export interface RoutesReport {
  readonly reflexPrefixes: readonly SourcedPrefix[];
  readonly djangoPrefixes: readonly SourcedPrefix[];
  readonly djangoWsPrefix: string | null;
  readonly upstreams: {
    readonly django: string | null;
    readonly reflex: string | null;
    readonly frontend: string | null;
  };
  readonly frontendKind: 'dev-server' | 'directory';
}

export interface PathReport {
  readonly method: string;
  readonly path: string;
  readonly upgrade: boolean;
  readonly rule: Rule | null;
  readonly ruleName: string;
  /** 'django' | 'reflex' | 'frontend' | 'proxy', or 'reject' with its status. */
  readonly target: string;
  readonly prefix: string | null;
  readonly status: number | null;
  readonly reason: string | null;
}

export function describeRoutes(config: ResolvedConfig): RoutesReport {
  return {
    reflexPrefixes: config.reservedPrefixes,
    djangoPrefixes: config.djangoPrefixes,
    djangoWsPrefix: config.djangoWsPrefix ?? null,
    upstreams: {
      django: config.djangoUrl?.origin ?? null,
      reflex: config.reflexBackendUrl?.origin ?? null,
      frontend: config.frontendDir ?? config.reflexFrontendUrl?.origin ?? null,
    },
    frontendKind: config.frontendDir === undefined ? 'dev-server' : 'directory',
  };
}

export function explainPath(config: ResolvedConfig, method: string, path: string, upgrade: boolean): PathReport {
  const decision: Decision = route(method, path, upgrade, config.routeTable);
  const base = { method, path, upgrade, rule: decision.rule ?? null, ruleName: decision.rule === undefined ? 'unusable request target' : RULE_NAMES[decision.rule] };
  switch (decision.kind) {
    case 'proxy':
      return { ...base, target: 'proxy', prefix: '/__rdp', status: null, reason: null };
    case 'forward':
      return { ...base, target: decision.upstream, prefix: decision.prefix ?? null, status: null, reason: null };
    case 'reject':
      return { ...base, target: 'reject', prefix: null, status: statusFor(decision.code), reason: decision.reason };
  }
}

/** The table as `routes` prints it and the ready summary shows it. */
export function routesTableText(report: RoutesReport): string {
  const prefixLines = (entries: RoutesReport['djangoPrefixes']): string[] =>
    entries.map((entry) => `    ${entry.prefix.padEnd(28)} ${entry.source}`);
  const frontend = report.upstreams.frontend ?? '(not set)';
  return [
    'Routing table (first matching row wins; paths are percent-decoded, prefixes segment-bounded and case-sensitive):',
    ...Object.entries(RULE_NAMES).map(([rule, name]) => `  ${rule}  ${name}`),
    '',
    `  Reflex backend  ${report.upstreams.reflex ?? '(not set)'}`,
    ...prefixLines(report.reflexPrefixes),
    `  Django          ${report.upstreams.django ?? '(not set)'}`,
    ...prefixLines(report.djangoPrefixes),
    ...(report.djangoWsPrefix === null ? [] : [`  Django WebSockets under ${report.djangoWsPrefix}`]),
    `  Frontend        ${frontend}${report.frontendKind === 'directory' ? ' (build directory: upgrades get 404)' : ''}`,
    '',
  ].join('\n');
}
