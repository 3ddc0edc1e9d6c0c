// What an exported configuration must do, computed once from the resolved config and — for every
// prefix — asked of router.ts itself, so the exported routing cannot drift from the contract the
// proxy follows. The renderers only spell the plan in their engine's language.
import { missingUpstreamFlags, type ResolvedConfig, type SourcedPrefix } from '../config/resolve.js';
import { RdpError, statusFor } from '../errors.js';
import { type Decision, type Layout, matches, RDP_NAMESPACE, route, type RouteTable } from '../router.js';
import { type Difference, differencesFor, ENGINE_NAMES, type ExportServer } from './differences.js';

/** Where a request ends: an upstream, the build directory, or a status the server answers itself. */
export type Target = 'reflex' | 'django' | 'frontend' | 'static' | 404 | 405;

/** What the contract does with the three kinds of request that can differ on one path. */
export interface Behavior {
  readonly upgrade: Target;
  /** GET, HEAD, OPTIONS. */
  readonly safe: Target;
  /** Any other method. */
  readonly other: Target;
}

interface PrefixRule {
  readonly prefix: string;
  /** The contract's answer for every path whose deepest matching listed prefix is this one. */
  readonly behavior: Behavior;
}

/** The routing alone, for every engine: which prefix answers what, the deepest one deciding. */
export interface RoutingPlan {
  readonly frontendDir: string | undefined;
  readonly layout: Layout;
  /** The Reflex backend serves the pages: rows 2 and 4 reach it. */
  readonly reflexSinglePort: boolean;
  readonly reflexPrefixes: readonly SourcedPrefix[];
  readonly djangoPrefixes: readonly SourcedPrefix[];
  readonly djangoWsPrefix: string | undefined;
  readonly prefixRules: readonly PrefixRule[];
  /** Paths under no listed prefix. */
  readonly fallback: Behavior;
  /** Prefixes left out, with why. */
  readonly skipped: readonly string[];
}

export interface UpstreamAddress {
  readonly origin: string;
  /** host:port, the port always written out. */
  readonly hostPort: string;
}

/** A file an engine runs in front of the upstreams' addresses. */
export interface ExportPlan extends RoutingPlan {
  readonly server: ExportServer;
  /** Comment lines (without the comment sign) saying what produced the file. */
  readonly provenance: readonly string[];
  readonly listen: { readonly host: string; readonly port: number };
  readonly upstreams: {
    readonly django: UpstreamAddress;
    readonly reflex: UpstreamAddress;
    readonly frontend: UpstreamAddress | undefined;
  };
  readonly trustProxy: boolean;
  readonly holdTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly differences: readonly Difference[];
}

/** Whether the engine can serve --frontend-dir itself; HAProxy has no file server. */
const SERVES_FILES: Readonly<Record<ExportServer, boolean>> = { nginx: true, caddy: true, haproxy: false };

function targetOf(decision: Decision, table: RouteTable): Target {
  if (decision.kind === 'forward') return decision.upstream === 'frontend' && table.frontendIsDirectory ? 'static' : decision.upstream;
  const status = decision.kind === 'reject' ? statusFor(decision.code) : undefined;
  if (status === 404 || status === 405) return status;
  // Only /__rdp/ (skipped before this) or an unusable target could get here; a prefix is a path.
  throw new Error(`no exportable target for ${decision.path}`);
}

function behaviorAt(path: string, table: RouteTable): Behavior {
  return {
    upgrade: targetOf(route('GET', path, true, table), table),
    safe: targetOf(route('GET', path, false, table), table),
    other: targetOf(route('POST', path, false, table), table),
  };
}

function addressOf(url: URL): UpstreamAddress {
  return { origin: url.origin, hostPort: `${url.hostname}:${url.port === '' ? '80' : url.port}` };
}

/** The upstreams' addresses are what the exported file connects to: without them it cannot be written. */
function requireUpstreams(config: ResolvedConfig): ExportPlan['upstreams'] {
  const missing = missingUpstreamFlags(config);
  if (missing.length > 0) {
    throw new RdpError(
      'RDP_ERR_MISSING_OPTION',
      `export needs the address of every upstream, as the exported server will reach it: missing ${missing.join(', ')}; e.g. --django-url http://127.0.0.1:8001`,
    );
  }
  return {
    django: addressOf(config.djangoUrl!),
    reflex: addressOf(config.reflexBackendUrl!),
    frontend: config.reflexFrontendUrl === undefined ? undefined : addressOf(config.reflexFrontendUrl),
  };
}

export function planRouting(config: ResolvedConfig): RoutingPlan {
  const table = config.routeTable;
  // In the split layout a Django prefix routes as every other path does: only Reflex's are listed.
  const djangoListed = config.layout === 'split' ? [] : [...(table.djangoWsPrefix === undefined ? [] : [table.djangoWsPrefix]), ...table.djangoPrefixes];
  const listed = [...new Set([...table.reflexPrefixes, ...djangoListed])];
  const skipped: string[] = [];
  const prefixRules: PrefixRule[] = [];
  for (const prefix of listed) {
    // The proxy answers /__rdp/ itself, so such a prefix never reaches an upstream through it.
    if (matches(prefix, RDP_NAMESPACE)) skipped.push(`${prefix}: under the proxy's own namespace ${RDP_NAMESPACE}/, never routed by the proxy`);
    else prefixRules.push({ prefix, behavior: behaviorAt(prefix, table) });
  }
  return {
    frontendDir: config.frontendDir,
    layout: config.layout,
    reflexSinglePort: config.reflexSinglePort,
    reflexPrefixes: config.reservedPrefixes,
    djangoPrefixes: config.djangoPrefixes,
    djangoWsPrefix: config.layout === 'split' ? undefined : table.djangoWsPrefix,
    prefixRules,
    // '/' is under no prefix: normalizePrefix refuses '/' itself.
    fallback: behaviorAt('/', table),
    skipped,
  };
}

export function planExport(config: ResolvedConfig, server: ExportServer, provenance: readonly string[]): ExportPlan {
  const upstreams = requireUpstreams(config);
  if (config.port === 0) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--port: 0 is not valid for export; give the port the exported server listens on, such as 8000');
  }
  if (config.frontendDir !== undefined && !SERVES_FILES[server]) {
    throw new RdpError(
      'RDP_ERR_INVALID_OPTION',
      `--frontend-dir: ${server} does not serve files; serve the build with a web server and give its address as --reflex-frontend-url, or export nginx or caddy`,
    );
  }
  return {
    ...planRouting(config),
    server,
    provenance,
    listen: { host: config.host, port: config.port },
    upstreams,
    trustProxy: config.trustProxy,
    holdTimeoutMs: config.holdTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    differences: differencesFor(server),
  };
}

/** What each upstream is called in the comments: its address, or the Service that stands for it. */
export interface UpstreamNames {
  readonly reflex: string;
  readonly django: string;
  readonly frontend: string;
}

function prefixList(entries: readonly SourcedPrefix[]): string {
  return entries.map((entry) => `${entry.prefix} (${entry.source})`).join(', ');
}

/** Rows 2–5 of the django_outer table, or the split layout's last row. */
function tableLines(plan: RoutingPlan, names: UpstreamNames): string[] {
  if (plan.layout === 'split') return [`  2. anything else, any method, WebSocket upgrades too -> ${names.django} (it serves the SPA shell)`];
  const pages = plan.reflexSinglePort ? `${names.reflex} (single port)` : names.frontend;
  const upgrades = plan.frontendDir !== undefined ? '404 (a build directory has no HMR socket)' : plan.reflexSinglePort ? pages : `${names.frontend} (HMR)`;
  return [
    plan.djangoWsPrefix === undefined ? `  2. other WebSocket upgrades -> ${upgrades}` : `  2. WebSocket upgrades under ${plan.djangoWsPrefix} -> Django; other upgrades -> ${upgrades}`,
    `  3. Django prefixes -> ${names.django}: ${prefixList(plan.djangoPrefixes)}`,
    `  4. anything else, GET/HEAD/OPTIONS -> ${pages}`,
    '  5. anything else, other methods -> 405 with Allow: GET, HEAD, OPTIONS',
  ];
}

/** The routing table in force, as comment lines: the contract's rows with the prefixes of each. */
export function routingLines(plan: RoutingPlan, names: UpstreamNames): string[] {
  const mode = plan.layout === 'split' ? "reflex-django v3's split layout" : "reflex-django's django_outer mode";
  return [
    `Routing, as ${mode} routes (first matching row wins; prefixes are`,
    'segment-bounded and case-sensitive, matched on the percent-decoded path):',
    `  1. reserved Reflex prefixes -> ${names.reflex} (HTTP and WebSocket, streamed):`,
    `     ${prefixList(plan.reflexPrefixes)}`,
    ...tableLines(plan, names),
    ...plan.skipped.map((line) => `  left out: ${line}`),
  ];
}

/** Every difference an engine has, as comment lines under one heading. */
export function differenceLines(engineName: string, differences: readonly Difference[]): string[] {
  return [`Where ${engineName} differs from reflex-django-proxy (docs/export.md):`, ...differences.map((difference) => `  - ${difference.text}`)];
}

/** The comment block the file renderers start with: provenance, the table in force, the differences. */
export function headerLines(plan: ExportPlan): string[] {
  return [
    ...plan.provenance,
    '',
    ...routingLines(plan, {
      reflex: `Reflex backend ${plan.upstreams.reflex.origin}`,
      django: `Django ${plan.upstreams.django.origin}`,
      frontend:
        plan.frontendDir !== undefined ? `files in ${plan.frontendDir}` : plan.upstreams.frontend === undefined ? 'no frontend' : `frontend dev server ${plan.upstreams.frontend.origin}`,
    }),
    'Host is passed on unchanged; X-Forwarded-For, -Proto, -Host and -Port are set.',
    '',
    ...differenceLines(ENGINE_NAMES[plan.server], plan.differences),
  ];
}
