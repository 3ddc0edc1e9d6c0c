// The one request table every exported engine is held to: real nginx, Caddy and HAProxy in
// test/export-parity.test.ts, the Gateway API and ingress-nginx models in
// test/export-kubernetes.test.ts. Each row says what the proxy does (the contract); where an engine
// cannot follow it, the row holds that engine's own outcome and the difference it comes from
// (src/export/differences.ts), so every difference is asserted, not assumed.
import type { ExportEngine } from '../../src/export/differences.js';

export type Outcome = 'django' | 'reflex' | 'frontend' | 'self' | 400 | 404 | 405;

export interface Deviation {
  readonly outcome: Outcome;
  readonly because: string;
}

export interface Row {
  readonly method?: string;
  readonly target: string;
  /** A WebSocket handshake (true), or an upgrade to the protocol named. */
  readonly upgrade?: true | string;
  readonly websocketKey?: string;
  /** The Host header, when not the front's own address. */
  readonly host?: string;
  /** The contract: what the proxy does. */
  readonly expect: Outcome;
  readonly differ?: Partial<Record<ExportEngine, Deviation>>;
}

/** The settings every engine exports the table with (the default prefixes: /admin, /static for Django). */
export const TABLE_SETTINGS = ['--django-ws-prefix', '/ws'] as const;

const as = (because: string, outcome: Outcome, ...engines: ExportEngine[]): Partial<Record<ExportEngine, Deviation>> =>
  Object.fromEntries(engines.map((engine) => [engine, { outcome, because }]));
const NGINX_BASED = ['nginx', 'ingress-nginx'] as const;
const NORMALISING = ['nginx', 'caddy', 'ingress-nginx'] as const;
/** Rule 5's 405, which neither cluster engine can answer. */
const noMethods = { ...as('no-405', 404, 'gateway-api'), ...as('methods-to-frontend', 'frontend', 'ingress-nginx') };

export const ROWS: readonly Row[] = [
  // rule 4: the frontend, for GET / HEAD / OPTIONS
  { target: '/', expect: 'frontend' },
  { target: '/about', expect: 'frontend' },
  { method: 'HEAD', target: '/about', expect: 'frontend' },
  { method: 'OPTIONS', target: '/about', expect: 'frontend' },
  { target: '/caf%C3%A9/menu', expect: 'frontend' },
  // rule 3: Django prefixes, bare and nested, segment-bounded and case-sensitive
  { target: '/admin', expect: 'django' },
  { target: '/admin/', expect: 'django' },
  { target: '/admin/auth/user/?q=1&o=-2', expect: 'django' },
  { target: '/static/css/app.css', expect: 'django' },
  { method: 'POST', target: '/admin/login/', expect: 'django' },
  { method: 'DELETE', target: '/admin/thing/1/', expect: 'django' },
  { target: '/administrator', expect: 'frontend' },
  { target: '/staticfiles/x', expect: 'frontend' },
  { target: '/Admin/', expect: 'frontend' },
  { target: '/ADMIN', expect: 'frontend' },
  // percent-decoded before matching
  { target: '/%61dmin/', expect: 'django', differ: as('raw-path', 'frontend', 'gateway-api') },
  { target: '/%61%64%6D%69%6E', expect: 'django', differ: as('raw-path', 'frontend', 'gateway-api') },
  { target: '/admin%2Fauth/', expect: 'django', differ: as('raw-path', 'frontend', 'gateway-api') },
  { target: '/%41dmin/', expect: 'frontend' },
  // rule 1: reserved Reflex prefixes
  { target: '/_event', expect: 'reflex' },
  { target: '/_event/?EIO=4&transport=polling', expect: 'reflex' },
  { target: '/%5Fevent/', expect: 'reflex', differ: as('raw-path', 'frontend', 'gateway-api') },
  { method: 'POST', target: '/_upload', expect: 'reflex' },
  { target: '/_upload/photo.png', expect: 'reflex' },
  { target: '/ping', expect: 'reflex' },
  { target: '/_health', expect: 'reflex' },
  { target: '/_all_routes', expect: 'reflex' },
  { target: '/auth-codespace/callback?code=1', expect: 'reflex' },
  { target: '/_eventx', expect: 'frontend' },
  { target: '/_Event/', expect: 'frontend' },
  { target: '/pingpong', expect: 'frontend' },
  // query strings are not routed on
  { target: '/?next=/admin/', expect: 'frontend' },
  { target: '/about?p=/_event', expect: 'frontend' },
  // rule 5: other methods on a frontend path
  { method: 'POST', target: '/about', expect: 405, differ: noMethods },
  { method: 'PUT', target: '/', expect: 405, differ: noMethods },
  { method: 'PATCH', target: '/administrator', expect: 405, differ: noMethods },
  // rule 2: WebSocket upgrades
  { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
  { target: '/_event', upgrade: true, expect: 'reflex' },
  { target: '/?token=hmr-token', upgrade: true, expect: 'frontend' },
  { target: '/about', upgrade: true, expect: 'frontend' },
  { target: '/admin/', upgrade: true, expect: 'frontend', differ: as('upgrades-by-path', 'django', 'ingress-nginx') },
  { target: '/admin/', upgrade: 'WebSocket', expect: 'frontend', differ: { ...as('upgrades-by-path', 'django', 'ingress-nginx'), ...as('exact-upgrade-header', 'django', 'gateway-api') } },
  { target: '/ws/chat/?room=1', upgrade: true, expect: 'django' },
  { target: '/ws', upgrade: true, expect: 'django' },
  { target: '/wsx', upgrade: true, expect: 'frontend' },
  { target: '/ws/chat/', expect: 'frontend', differ: as('upgrades-by-path', 'django', 'ingress-nginx') },
  { method: 'POST', target: '/ws/chat/', expect: 405, differ: { ...as('no-405', 404, 'gateway-api'), ...as('upgrades-by-path', 'django', 'ingress-nginx') } },
  { target: '/about', upgrade: true, websocketKey: 'not-sixteen-bytes', expect: 'frontend', differ: as('websocket-key', 400, 'haproxy') },
  { target: '/admin/', upgrade: 'h2c', expect: 400, differ: as('other-upgrade', 'django', 'nginx', 'caddy', 'gateway-api', 'ingress-nginx') },
  // absolute-form: routed on its path, forwarded as origin-form
  { target: 'http://other.example/admin/', expect: 'django', differ: as('absolute-form-host', 400, 'haproxy') },
  { target: 'http://app.example/admin/', host: 'app.example', expect: 'django' },
  // where nginx and Caddy cannot follow: they match on a normalised path
  { target: '/x/../admin/', expect: 'frontend', differ: as('normalised-path', 'django', ...NORMALISING) },
  { target: '/./admin/', expect: 'frontend', differ: as('normalised-path', 'django', ...NORMALISING) },
  { target: '//admin/', expect: 'frontend', differ: as('normalised-path', 'django', ...NORMALISING) },
  { target: '/_event/../admin/', expect: 'reflex', differ: as('normalised-path', 'django', ...NORMALISING) },
  { target: '/admin/../about', expect: 'django', differ: as('normalised-path', 'frontend', ...NORMALISING) },
  { target: '/%2Fadmin/', expect: 'frontend', differ: as('encoded-slash', 'django', ...NORMALISING) },
  { target: '/admin/%2e%2e/about', expect: 'django', differ: as('normalised-path', 'frontend', ...NORMALISING) },
  { target: '/admin/%FF', expect: 'django' },
  { target: '/%2e%2e/admin/', expect: 'frontend', differ: { ...as('above-root', 400, ...NGINX_BASED), ...as('normalised-path', 'django', 'caddy') } },
  { target: '/../admin/', expect: 'frontend', differ: { ...as('above-root', 400, ...NGINX_BASED), ...as('normalised-path', 'django', 'caddy') } },
  { target: '/%00', expect: 'frontend', differ: as('nul-escape', 400, ...NGINX_BASED) },
  // ... and refuse invalid escapes before routing
  { target: '/%zz', expect: 'frontend', differ: as('invalid-escape', 400, ...NORMALISING) },
  { target: '/admin/%zz', expect: 'django', differ: as('invalid-escape', 400, ...NORMALISING) },
  {
    target: '/%61dmin/%zz',
    expect: 'django',
    differ: { ...as('invalid-escape', 400, ...NORMALISING), ...as('undecoded-invalid-escape', 'frontend', 'haproxy'), ...as('raw-path', 'frontend', 'gateway-api') },
  },
  // the proxy's own namespace
  { target: '/__rdp/health', expect: 'self', differ: as('no-namespace', 'frontend', 'nginx', 'caddy', 'haproxy', 'gateway-api', 'ingress-nginx') },
  { method: 'TRACE', target: '/admin/', expect: 'django', differ: as('trace', 405, ...NGINX_BASED) },
];

/** The table of a layout other than django_outer, and the settings it is exported with. */
export interface LayoutTable {
  readonly name: string;
  /** Besides the Django and Reflex backend URLs. */
  readonly settings: readonly string[];
  readonly rows: readonly Row[];
}

const EDGE_FILES = ['nginx', 'caddy'] as const;

/**
 * The layouts of docs/layouts.md, held to the same parity by nginx, Caddy and HAProxy (export
 * kubernetes refuses them). The split layout is exported with --django-ws-prefix /ws, which it does
 * not use: reserved prefixes to Reflex, every other path, method and upgrade to Django. A
 * single-port Reflex (`reflex run --env prod`) serves the pages and their upgrades from the backend;
 * Django prefixes and rule 5 are as in django_outer.
 */
export const LAYOUT_TABLES: readonly LayoutTable[] = [
  {
    name: 'split',
    settings: ['--layout', 'split', '--django-ws-prefix', '/ws'],
    rows: [
      { target: '/', expect: 'django' },
      { target: '/some/page', expect: 'django' },
      { method: 'POST', target: '/some/page', expect: 'django' },
      { method: 'PUT', target: '/', expect: 'django' },
      { method: 'OPTIONS', target: '/about', expect: 'django' },
      { method: 'DELETE', target: '/admin/thing/1/', expect: 'django' },
      { target: '/admin/', expect: 'django' },
      { target: '/_event', expect: 'reflex' },
      { target: '/%5Fevent/', expect: 'reflex' },
      { method: 'POST', target: '/_upload', expect: 'reflex' },
      { target: '/ping', expect: 'reflex' },
      { target: '/auth-codespace/callback?code=1', expect: 'reflex' },
      { target: '/_eventx', expect: 'django' },
      { target: '/_Event/', expect: 'django' },
      { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
      { target: '/?token=hmr-token', upgrade: true, expect: 'django' },
      { target: '/ws/chat/', upgrade: true, expect: 'django' },
      { method: 'POST', target: 'http://other.example/_upload', expect: 'reflex', differ: as('absolute-form-host', 400, 'haproxy') },
      { target: '/_event/../admin/', expect: 'reflex', differ: as('normalised-path', 'django', ...EDGE_FILES) },
      { target: '/admin/../ping', expect: 'django', differ: as('normalised-path', 'reflex', ...EDGE_FILES) },
      { target: '/%zz', expect: 'django', differ: as('invalid-escape', 400, ...EDGE_FILES) },
      { target: '/__rdp/health', expect: 'self', differ: as('no-namespace', 'django', ...EDGE_FILES, 'haproxy') },
    ],
  },
  {
    name: 'single-port',
    settings: ['--reflex-single-port'],
    rows: [
      { target: '/', expect: 'reflex' },
      { target: '/about', expect: 'reflex' },
      { method: 'HEAD', target: '/about', expect: 'reflex' },
      { method: 'POST', target: '/about', expect: 405 },
      { target: '/admin/', expect: 'django' },
      { method: 'POST', target: '/admin/login/', expect: 'django' },
      { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
      { target: '/?token=hmr-token', upgrade: true, expect: 'reflex' },
      { target: '/admin/', upgrade: true, expect: 'reflex' },
      { target: '/x/../admin/', expect: 'reflex', differ: as('normalised-path', 'django', ...EDGE_FILES) },
      { target: '/__rdp/health', expect: 'self', differ: as('no-namespace', 'reflex', ...EDGE_FILES, 'haproxy') },
    ],
  },
];

export function describeRow(row: Row): string {
  const upgrade = row.upgrade === undefined ? '' : row.upgrade === true ? 'WebSocket ' : `Upgrade: ${row.upgrade} `;
  return `${upgrade}${row.method ?? 'GET'} ${row.target}${row.websocketKey === undefined ? '' : ` (Sec-WebSocket-Key ${row.websocketKey})`}`;
}

/** What `engine` does with the row: the contract, unless the row names a deviation for it. */
export function expectedOf(row: Row, engine: ExportEngine | 'proxy'): Outcome {
  return engine === 'proxy' ? row.expect : (row.differ?.[engine]?.outcome ?? row.expect);
}
