// What an exported nginx or Caddy configuration must do, computed once from the resolved config
// and — for every prefix — asked of router.ts itself, so the exported routing cannot drift from
// the contract the proxy follows. The renderers only spell the plan in their server's language.
import { missingUpstreamFlags, type ResolvedConfig, type SourcedPrefix } from '../config/resolve.js';
import { RdpError, statusFor } from '../errors.js';
import { type Decision, matches, RDP_NAMESPACE, route, type RouteTable } from '../router.js';
import { type Difference, differencesFor, type ExportServer } from './differences.js';

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

export interface UpstreamAddress {
  readonly origin: string;
  /** host:port, the port always written out. */
  readonly hostPort: string;
}

export interface ExportPlan {
  readonly server: ExportServer;
  /** Comment lines (without the comment sign) saying what produced the file. */
  readonly provenance: readonly string[];
  readonly listen: { readonly host: string; readonly port: number };
  readonly upstreams: {
    readonly django: UpstreamAddress;
    readonly reflex: UpstreamAddress;
    readonly frontend: UpstreamAddress | undefined;
  };
  readonly frontendDir: string | undefined;
  readonly reflexPrefixes: readonly SourcedPrefix[];
  readonly djangoPrefixes: readonly SourcedPrefix[];
  readonly djangoWsPrefix: string | undefined;
  readonly prefixRules: readonly PrefixRule[];
  /** Paths under no listed prefix. */
  readonly fallback: Behavior;
  /** Prefixes left out, with why. */
  readonly skipped: readonly string[];
  readonly trustProxy: boolean;
  readonly differences: readonly Difference[];
}

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

export function planExport(config: ResolvedConfig, server: ExportServer, provenance: readonly string[]): ExportPlan {
  const upstreams = requireUpstreams(config);
  if (config.port === 0) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--port: 0 is not valid for export; give the port the exported server listens on, such as 8000');
  }
  const table = config.routeTable;
  const listed = [...new Set([...table.reflexPrefixes, ...(table.djangoWsPrefix === undefined ? [] : [table.djangoWsPrefix]), ...table.djangoPrefixes])];
  const skipped: string[] = [];
  const prefixRules: PrefixRule[] = [];
  for (const prefix of listed) {
    // The proxy answers /__rdp/ itself, so such a prefix never reaches an upstream through it.
    if (matches(prefix, RDP_NAMESPACE)) skipped.push(`${prefix}: under the proxy's own namespace ${RDP_NAMESPACE}/, never routed by the proxy`);
    else prefixRules.push({ prefix, behavior: behaviorAt(prefix, table) });
  }
  return {
    server,
    provenance,
    listen: { host: config.host, port: config.port },
    upstreams,
    frontendDir: config.frontendDir,
    reflexPrefixes: config.reservedPrefixes,
    djangoPrefixes: config.djangoPrefixes,
    djangoWsPrefix: table.djangoWsPrefix,
    prefixRules,
    // '/' is under no prefix: normalizePrefix refuses '/' itself.
    fallback: behaviorAt('/', table),
    skipped,
    trustProxy: config.trustProxy,
    differences: differencesFor(server),
  };
}

/** The comment block both renderers start with: provenance, the table in force, the differences. */
export function headerLines(plan: ExportPlan, serverName: string): string[] {
  const list = (entries: readonly SourcedPrefix[]): string => entries.map((entry) => `${entry.prefix} (${entry.source})`).join(', ');
  const frontend = plan.frontendDir === undefined ? `frontend dev server ${plan.upstreams.frontend!.origin}` : `files in ${plan.frontendDir}`;
  return [
    ...plan.provenance,
    '',
    "Routing, as reflex-django's django_outer mode routes (first matching row wins; prefixes are",
    'segment-bounded and case-sensitive, matched on the percent-decoded path):',
    `  1. reserved Reflex prefixes -> Reflex backend ${plan.upstreams.reflex.origin} (HTTP and WebSocket, streamed):`,
    `     ${list(plan.reflexPrefixes)}`,
    plan.djangoWsPrefix === undefined
      ? `  2. other WebSocket upgrades -> ${plan.frontendDir === undefined ? 'the frontend dev server (HMR)' : '404 (a build directory has no HMR socket)'}`
      : `  2. WebSocket upgrades under ${plan.djangoWsPrefix} -> Django; other upgrades -> ${plan.frontendDir === undefined ? 'the frontend dev server (HMR)' : '404'}`,
    `  3. Django prefixes -> Django ${plan.upstreams.django.origin}: ${list(plan.djangoPrefixes)}`,
    `  4. anything else, GET/HEAD/OPTIONS -> ${frontend}`,
    '  5. anything else, other methods -> 405 with Allow: GET, HEAD, OPTIONS',
    ...plan.skipped.map((line) => `  left out: ${line}`),
    'Host is passed on unchanged; X-Forwarded-For, -Proto, -Host and -Port are set.',
    '',
    `Where ${serverName} differs from reflex-django-proxy (its docs/export.md):`,
    ...plan.differences.map((difference) => `  - ${difference.text}`),
  ];
}
