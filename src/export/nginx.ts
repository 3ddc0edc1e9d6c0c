// The plan in nginx's language: one `server` for nginx's http { } block (conf.d/). nginx picks a
// location by longest prefix, so every listed prefix gets an exact `location = /p` and a
// `location ^~ /p/` (segment-bounded; ^~ keeps regex locations out) answering what router.ts
// answers when that prefix is the deepest one matching. nginx's prefix locations are
// case-sensitive and compare against the percent-decoded path, as the contract does.
import { ALLOW_HEADER } from '../router.js';
import { type Behavior, type ExportPlan, headerLines, type Target } from './plan.js';

const INDENT = '    ';
// An upgrade or an idle HMR / Socket.IO socket must not be cut by nginx's 60 s default.
const LONG_TIMEOUT = '1d';

/** A location string or path, quoted when nginx's parser would split or misread it. */
function quote(value: string): string {
  return /^[A-Za-z0-9/._~%:@!+,=-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

const UPSTREAM_NAMES = { reflex: 'rdp_reflex', django: 'rdp_django', frontend: 'rdp_frontend' } as const;
const NAMED = { upgrade: '@rdp_upgrade_', notFound: '@rdp_not_found', notAllowed: '@rdp_method_not_allowed', options: '@rdp_options' } as const;

function proxyBody(target: 'reflex' | 'django' | 'frontend', upgrades: boolean): string[] {
  const lines = [`proxy_pass http://${UPSTREAM_NAMES[target]};`];
  if (target === 'reflex') {
    // Socket.IO frames and /_upload's NDJSON progress must not wait in a buffer, and uploads of
    // gigabytes stream straight to Reflex instead of being spooled to disk first.
    lines.push('proxy_buffering off;', 'proxy_request_buffering off;');
  }
  if (upgrades || target === 'reflex') lines.push(`proxy_read_timeout ${LONG_TIMEOUT};`, `proxy_send_timeout ${LONG_TIMEOUT};`);
  return lines;
}

function staticBody(plan: ExportPlan): string[] {
  return [
    `root ${quote(plan.frontendDir!)};`,
    "# reflex-django's lookup order: <path>, <path>.html, <path>/index.html, then the SPA shell",
    "# (React Router's __spa-fallback.html; index.html, prerendered for / only, in older builds).",
    'try_files $rdp_static_path $rdp_static_path.html $rdp_static_path/index.html /__spa-fallback.html /index.html =404;',
    '# The .gz Reflex writes beside each file, to clients that accept gzip.',
    'gzip_static on;',
    'gzip_vary on;',
  ];
}

function body(plan: ExportPlan, target: Target, upgrades: boolean): string[] {
  if (target === 404) return ['return 404;'];
  if (target === 405) return [`add_header Allow "${ALLOW_HEADER}" always;`, 'return 405;'];
  if (target === 'static') return staticBody(plan);
  return proxyBody(target, upgrades);
}

/** A named location for each target reached by a branch, so the branch is a plain `return`. */
function namedFor(target: Target): string {
  if (target === 404) return NAMED.notFound;
  if (target === 405) return NAMED.notAllowed;
  return `${NAMED.upgrade}${target}`;
}

/**
 * The location's lines: branches for the requests that go elsewhere (upgrades first, as rule 2
 * comes before rules 3–5), then what GET/HEAD/OPTIONS get. `error_page` to a named location plus
 * `return` is the one safe way to branch inside a location (`if` may only `return`).
 */
function locationBody(plan: ExportPlan, behavior: Behavior, used: Set<Target>): string[] {
  const lines: string[] = [];
  if (behavior.upgrade !== behavior.safe) {
    used.add(behavior.upgrade);
    lines.push(`error_page 418 = ${namedFor(behavior.upgrade)};`, 'if ($rdp_upgrade) { return 418; }');
  }
  if (behavior.other !== behavior.safe) {
    used.add(behavior.other);
    lines.push(`error_page 419 = ${namedFor(behavior.other)};`, 'if ($request_method !~ "^(GET|HEAD|OPTIONS)$") { return 419; }');
  }
  if (behavior.safe === 'static') {
    // nginx's static module refuses OPTIONS; the proxy answers it 204 with Allow.
    lines.push(`error_page 420 = ${NAMED.options};`, 'if ($request_method = OPTIONS) { return 420; }');
  }
  return [...lines, ...body(plan, behavior.safe, behavior.upgrade === behavior.safe)];
}

function block(header: string, lines: readonly string[], depth: number): string[] {
  const pad = INDENT.repeat(depth);
  return [`${pad}${header} {`, ...lines.map((line) => (line === '' ? '' : `${pad}${INDENT}${line}`)), `${pad}}`];
}

function forwardedHeaders(plan: ExportPlan): string[] {
  // A client's own values are dropped (overwritten) unless --trust-proxy says one sits in front.
  return [
    '# Host unchanged: Django\'s ALLOWED_HOSTS and CSRF Origin check compare against it.',
    'proxy_set_header Host $http_host;',
    `proxy_set_header X-Forwarded-For ${plan.trustProxy ? '$proxy_add_x_forwarded_for' : '$remote_addr'};`,
    `proxy_set_header X-Forwarded-Proto ${plan.trustProxy ? '$rdp_forwarded_proto' : '$scheme'};`,
    `proxy_set_header X-Forwarded-Host ${plan.trustProxy ? '$rdp_forwarded_host' : '$http_host'};`,
    `proxy_set_header X-Forwarded-Port ${plan.trustProxy ? '$rdp_forwarded_port' : '$server_port'};`,
    '# Upgrade and Connection are hop-by-hop: passed on for a WebSocket handshake only.',
    'proxy_set_header Upgrade $rdp_upgrade_value;',
    'proxy_set_header Connection $rdp_connection;',
  ];
}

function maps(plan: ExportPlan): string[] {
  const lines = [
    '# A WebSocket handshake: Connection names "upgrade" and Upgrade is websocket (what the proxy treats as one).',
    'map $http_connection $rdp_connection_upgrade {',
    '    default 0;',
    '    "~*(^|,)\\s*upgrade\\s*(,|$)" 1;',
    '}',
    'map "$rdp_connection_upgrade:$http_upgrade" $rdp_upgrade {',
    '    default 0;',
    '    "~*^1:websocket$" 1;',
    '}',
    'map $rdp_upgrade $rdp_upgrade_value {',
    '    1 $http_upgrade;',
    '    default "";',
    '}',
    '# Empty: no Connection header, so upstream connections are kept alive.',
    'map $rdp_upgrade $rdp_connection {',
    '    1 upgrade;',
    '    default "";',
    '}',
  ];
  if (plan.frontendDir !== undefined) {
    lines.push(
      '# The proxy looks a path up without its trailing slashes (/docs/ as /docs, /docs.html, /docs/index.html).',
      'map $uri $rdp_static_path {',
      '    "~^(?<rdp_path>.*[^/])/+$" $rdp_path;',
      '    default $uri;',
      '}',
    );
  }
  if (plan.trustProxy) {
    lines.push(
      '# --trust-proxy: keep what the proxy in front says, else say it ourselves.',
      'map $http_x_forwarded_proto $rdp_forwarded_proto {',
      '    "" $scheme;',
      '    default $http_x_forwarded_proto;',
      '}',
      'map $http_x_forwarded_host $rdp_forwarded_host {',
      '    "" $http_host;',
      '    default $http_x_forwarded_host;',
      '}',
      'map $http_x_forwarded_port $rdp_forwarded_port {',
      '    "" $server_port;',
      '    default $http_x_forwarded_port;',
      '}',
    );
  }
  return lines;
}

function upstreamBlocks(plan: ExportPlan): string[] {
  const entries: Array<[string, string]> = [
    [UPSTREAM_NAMES.django, plan.upstreams.django.hostPort],
    [UPSTREAM_NAMES.reflex, plan.upstreams.reflex.hostPort],
  ];
  if (plan.upstreams.frontend !== undefined) entries.push([UPSTREAM_NAMES.frontend, plan.upstreams.frontend.hostPort]);
  return entries.flatMap(([name, hostPort]) => [...block(`upstream ${name}`, [`server ${hostPort};`, 'keepalive 16;'], 0), '']);
}

function redirects(plan: ExportPlan): string[] {
  // The proxy moves a Location naming an upstream's own origin to the origin the client used.
  const origins = [plan.upstreams.django, plan.upstreams.reflex, ...(plan.upstreams.frontend === undefined ? [] : [plan.upstreams.frontend])];
  return origins.map((upstream) => `proxy_redirect ${upstream.origin}/ $scheme://$http_host/;`);
}

export function renderNginx(plan: ExportPlan): string {
  const used = new Set<Target>();
  const listen = plan.listen.host.includes(':') ? `[${plan.listen.host}]:${plan.listen.port}` : `${plan.listen.host}:${plan.listen.port}`;
  const locations: string[] = [];
  for (const rule of plan.prefixRules) {
    const lines = locationBody(plan, rule.behavior, used);
    locations.push(...block(`location = ${quote(rule.prefix)}`, lines, 0), ...block(`location ^~ ${quote(`${rule.prefix}/`)}`, lines, 0), '');
  }
  locations.push('# Everything under no prefix: the frontend.', ...block('location /', locationBody(plan, plan.fallback, used), 0));
  const named: string[] = [];
  for (const target of [...used].sort((a, b) => String(a).localeCompare(String(b)))) {
    // Reached only through a branch above: an upgrade (long timeouts) or a refusal.
    named.push('', ...block(`location ${namedFor(target)}`, body(plan, target, true), 0));
  }
  if (plan.frontendDir !== undefined) {
    named.push('', ...block(`location ${NAMED.options}`, [`add_header Allow "${ALLOW_HEADER}" always;`, 'return 204;'], 0));
  }

  const server = [
    `listen ${listen};`,
    '',
    '# Request bodies are not capped: the proxy streams uploads of any size (Django checks its own limits).',
    'client_max_body_size 0;',
    'proxy_http_version 1.1;',
    ...forwardedHeaders(plan),
    ...redirects(plan),
    '',
    ...locations,
    ...named,
  ];
  return [
    ...headerLines(plan).map((line) => (line === '' ? '#' : `# ${line}`)),
    '#',
    "# Goes inside nginx's http { } block, e.g. as /etc/nginx/conf.d/reflex-django.conf.",
    '',
    ...maps(plan),
    '',
    ...upstreamBlocks(plan),
    ...block('server', server, 0),
    '',
  ].join('\n');
}
