// The routing table in force, and the answer for one path, in the shape `routes --json` prints and
// /__rdp/routes serves (docs/routing.md §6).
import type { ResolvedConfig, SourcedPrefix } from './resolve.js';
import { statusFor } from '../errors.js';
import { type Decision, type Layout, type Rule, route } from '../router.js';

const RULE_NAMES: Readonly<Record<Rule, string>> = Object.freeze({
  0: "the proxy's own namespace /__rdp/",
  1: 'reserved Reflex prefix → Reflex backend',
  2: 'WebSocket upgrade → frontend dev server (HMR), or --django-ws-prefix → Django',
  3: 'Django prefix → Django',
  4: 'anything else, GET/HEAD/OPTIONS → frontend',
  5: 'anything else, other methods → 405',
});

/** The pages come from the Reflex backend's own port: rows 2 and 4 say where. */
const SINGLE_PORT_RULE_NAMES: Readonly<Partial<Record<Rule, string>>> = Object.freeze({
  2: 'WebSocket upgrade → Reflex backend (single port), or --django-ws-prefix → Django',
  4: 'anything else, GET/HEAD/OPTIONS → Reflex backend (single port: it serves the pages)',
});

/** reflex-django v3's split layout has three rows. */
const SPLIT_RULE_NAMES: Readonly<Partial<Record<Rule, string>>> = Object.freeze({
  0: RULE_NAMES[0],
  1: RULE_NAMES[1],
  2: 'anything else, any method, WebSocket upgrades too → Django (it serves the SPA shell)',
});

/** The rows of the table in force, by number. */
export function ruleNames(config: Pick<ResolvedConfig, 'layout' | 'reflexSinglePort'>): Readonly<Partial<Record<Rule, string>>> {
  if (config.layout === 'split') return SPLIT_RULE_NAMES;
  return config.reflexSinglePort ? { ...RULE_NAMES, ...SINGLE_PORT_RULE_NAMES } : RULE_NAMES;
}

/** A Reflex route as the table in force places it: under the backend path, or where env.json says. */
export function reservedPath(config: Pick<ResolvedConfig, 'reservedPrefixes'>, route: string): string {
  return config.reservedPrefixes.find((entry) => entry.prefix.endsWith(route))?.prefix ?? route;
}

/** What a client checking the proxy from outside (verify) must know of the table in force. */
export interface RoutingFacts {
  /** split: Django serves the pages and every non-Reflex method. */
  readonly layout: Layout;
  /** Reflex's socket and upload paths, under its backend path. */
  readonly eventPath: string;
  readonly uploadPath: string;
}

export function routingFacts(config: Pick<ResolvedConfig, 'layout' | 'reservedPrefixes'>): RoutingFacts {
  return { layout: config.layout, eventPath: reservedPath(config, '/_event'), uploadPath: reservedPath(config, '/_upload') };
}

type FrontendKind = 'dev-server' | 'directory' | 'reflex-backend' | 'none';

export interface RoutesReport {
  readonly layout: Layout;
  readonly reflexPrefixes: readonly SourcedPrefix[];
  readonly djangoPrefixes: readonly SourcedPrefix[];
  readonly djangoWsPrefix: string | null;
  readonly upstreams: {
    readonly django: string | null;
    readonly reflex: string | null;
    readonly frontend: string | null;
  };
  /** Where pages come from: a dev server, a build directory, the Reflex backend (single port), or nowhere (split: Django). */
  readonly frontendKind: FrontendKind;
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

function frontendKindOf(config: ResolvedConfig): FrontendKind {
  if (config.layout === 'split') return 'none';
  if (config.reflexSinglePort) return 'reflex-backend';
  return config.frontendDir === undefined ? 'dev-server' : 'directory';
}

export function describeRoutes(config: ResolvedConfig): RoutesReport {
  return {
    layout: config.layout,
    reflexPrefixes: config.reservedPrefixes,
    djangoPrefixes: config.djangoPrefixes,
    djangoWsPrefix: config.djangoWsPrefix ?? null,
    upstreams: {
      django: config.djangoUrl?.origin ?? null,
      reflex: config.reflexBackendUrl?.origin ?? null,
      frontend: config.frontendDir ?? config.reflexFrontendUrl?.origin ?? null,
    },
    frontendKind: frontendKindOf(config),
  };
}

export function explainPath(config: ResolvedConfig, method: string, path: string, upgrade: boolean): PathReport {
  const decision: Decision = route(method, path, upgrade, config.routeTable);
  const ruleName = decision.rule === undefined ? 'unusable request target' : (ruleNames(config)[decision.rule] ?? RULE_NAMES[decision.rule]);
  const base = { method, path, upgrade, rule: decision.rule ?? null, ruleName };
  switch (decision.kind) {
    case 'proxy':
      return { ...base, target: 'proxy', prefix: '/__rdp', status: null, reason: null };
    case 'forward':
      return { ...base, target: decision.upstream, prefix: decision.prefix ?? null, status: null, reason: null };
    case 'reject':
      return { ...base, target: 'reject', prefix: null, status: statusFor(decision.code), reason: decision.reason };
  }
}

/** One line for one request, as `routes PATH` prints it and the dashboard's explain box shows it. */
export function explainText(report: PathReport): string {
  const request = `${report.upgrade ? 'WebSocket ' : ''}${report.method} ${report.path}`;
  const outcome = report.target === 'reject' ? `${report.status} (${report.reason})` : report.target;
  const why = report.rule === null ? report.ruleName : `rule ${report.rule}: ${report.ruleName}${report.prefix === null ? '' : `, prefix ${report.prefix}`}`;
  return `${request} → ${outcome}  [${why}]`;
}

const FRONTEND_LINES: Readonly<Record<FrontendKind, (frontend: string) => string>> = {
  'dev-server': (frontend) => `  Frontend        ${frontend}`,
  directory: (frontend) => `  Frontend        ${frontend} (build directory: upgrades get 404)`,
  'reflex-backend': () => '  Frontend        the Reflex backend (single port)',
  none: () => '  Frontend        none: Django serves the pages (split layout)',
};

/** The table as `routes` prints it and the ready summary shows it. */
export function routesTableText(report: RoutesReport): string {
  const prefixLines = (entries: RoutesReport['djangoPrefixes']): string[] =>
    entries.map((entry) => `    ${entry.prefix.padEnd(28)} ${entry.source}`);
  const split = report.layout === 'split';
  return [
    `Routing table, ${report.layout} layout (first matching row wins; paths are percent-decoded, prefixes segment-bounded and case-sensitive):`,
    ...Object.entries(ruleNames({ layout: report.layout, reflexSinglePort: report.frontendKind === 'reflex-backend' })).map(([rule, name]) => `  ${rule}  ${name}`),
    '',
    `  Reflex backend  ${report.upstreams.reflex ?? '(not set)'}`,
    ...prefixLines(report.reflexPrefixes),
    `  Django          ${report.upstreams.django ?? '(not set)'}${split ? ' (every other path)' : ''}`,
    ...(split ? [] : prefixLines(report.djangoPrefixes)),
    ...(report.djangoWsPrefix === null || split ? [] : [`  Django WebSockets under ${report.djangoWsPrefix}`]),
    FRONTEND_LINES[report.frontendKind](report.upstreams.frontend ?? '(not set)'),
    '',
  ].join('\n');
}
