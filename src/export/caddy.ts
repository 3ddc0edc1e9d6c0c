// The plan in Caddy's language: a whole Caddyfile whose `handle` blocks are the contract's rows in
// order (named matchers keep the order they are written in; the bare `handle` comes last).
// Prefixes are matched with `path_regexp` — Caddy's `path` matcher ignores case, the contract
// does not — anchored as `^(?:/a|/b)(?:/|$)`, which is the segment-bounded rule.
import { ALLOW_HEADER } from '../router.js';
import { type ExportPlan, headerLines, type UpstreamAddress } from './plan.js';

const TAB = '\t';

/** A literal for Go's RE2: punctuation escaped, anything outside ASCII as a code point. */
function regexLiteral(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (/[A-Za-z0-9/_-]/.test(char)) out += char;
    // `{` and `"` would mean something to the Caddyfile parser even when escaped for RE2.
    else if (code < 0x20 || code > 0x7e || char === '{' || char === '}' || char === '"') out += `\\x{${code.toString(16)}}`;
    else out += `\\${char}`;
  }
  return out;
}

function prefixRegex(prefixes: readonly string[]): string {
  return `"^(?:${prefixes.map(regexLiteral).join('|')})(?:/|$)"`;
}

function block(header: string, lines: readonly string[]): string[] {
  return [`${header} {`, ...lines.map((line) => (line === '' ? '' : `${TAB}${line}`)), '}'];
}

function reverseProxy(plan: ExportPlan, upstream: UpstreamAddress): string[] {
  const options = [
    // Bodies stream as the upstream sends them (Socket.IO, /_upload's NDJSON, server-sent events).
    'flush_interval -1',
    // Caddy sets X-Forwarded-For, -Proto and -Host (a client's own only from trusted_proxies); the
    // port the proxy also sets. Behind a trusted proxy, the client's X-Forwarded-Port passes.
    ...(plan.trustProxy ? [] : [`header_up X-Forwarded-Port ${plan.listen.port}`]),
    // --trust-proxy: keep the X-Forwarded-* the proxy in front sends (Caddy 2.6 reads this here).
    ...(plan.trustProxy ? ['trusted_proxies 0.0.0.0/0 ::/0'] : []),
    // The proxy moves a Location naming the upstream's own origin to the origin the client used.
    `header_down Location "^${regexLiteral(upstream.origin)}(/|$)" "{http.request.scheme}://{http.request.hostport}$1"`,
  ];
  return block(`reverse_proxy ${upstream.hostPort}`, options);
}

/** Where pages and their upgrades go: the dev server, or the Reflex backend when it serves them. */
function pagesUpstream(plan: ExportPlan): UpstreamAddress {
  return plan.reflexSinglePort ? plan.upstreams.reflex : plan.upstreams.frontend!;
}

function frontend(plan: ExportPlan): string[] {
  if (plan.frontendDir === undefined) return reverseProxy(plan, pagesUpstream(plan));
  return [
    '@rdp_options method OPTIONS',
    ...block('handle @rdp_options', [`header Allow "${ALLOW_HEADER}"`, 'respond 204']),
    // The proxy looks a path up without its trailing slashes (/about/ as /about, /about.html, ...).
    '@rdp_static path_regexp rdp_static "(?s)^(/.*?)/*$"',
    ...block('handle @rdp_static', [
      `root * "${plan.frontendDir.replace(/["\\]/g, (char) => `\\${char}`)}"`,
      "# reflex-django's lookup order: <path>, <path>.html, <path>/index.html, then the SPA shell",
      "# (React Router's __spa-fallback.html; index.html, prerendered for / only, in older builds).",
      'try_files {re.rdp_static.1} {re.rdp_static.1}.html {re.rdp_static.1}/index.html /__spa-fallback.html /index.html',
      '# The .gz Reflex writes beside each file, to clients that accept gzip.',
      ...block('file_server', ['precompressed gzip']),
    ]),
  ];
}

function upgradeMatcher(name: string, extra: readonly string[]): string[] {
  return block(`@${name}`, [
    // What the proxy treats as a WebSocket handshake: Connection names "upgrade", Upgrade is websocket.
    'header_regexp Connection "(?i)(?:^|,)\\s*upgrade\\s*(?:,|$)"',
    'header_regexp Upgrade "(?i)^websocket$"',
    ...extra,
  ]);
}

export function renderCaddy(plan: ExportPlan): string {
  const reflexPrefixes = plan.reflexPrefixes.map((entry) => entry.prefix).filter((prefix) => !plan.skipped.some((line) => line.startsWith(`${prefix}:`)));
  const djangoPrefixes = plan.djangoPrefixes.map((entry) => entry.prefix).filter((prefix) => !plan.skipped.some((line) => line.startsWith(`${prefix}:`)));
  const site: string[] = [];
  if (plan.listen.host !== '0.0.0.0' && plan.listen.host !== '::') site.push(`bind ${plan.listen.host}`, '');

  site.push('# 1. Reserved Reflex prefixes -> Reflex backend, HTTP and WebSocket alike.', `@rdp_reflex path_regexp ${prefixRegex(reflexPrefixes)}`);
  site.push(...block('handle @rdp_reflex', reverseProxy(plan, plan.upstreams.reflex)), '');
  site.push(...(plan.layout === 'split' ? splitRows(plan) : djangoOuterRows(plan, djangoPrefixes)));

  return [
    ...headerLines(plan).map((line) => (line === '' ? '#' : `# ${line}`)),
    '#',
    '# A whole Caddyfile: caddy run --config FILE --adapter caddyfile',
    '',
    ...block(`http://:${plan.listen.port}`, site),
    '',
  ].join('\n');
}

/** reflex-django v3's split layout: the rest, whatever its method, is Django's. */
function splitRows(plan: ExportPlan): string[] {
  return ['# 2. Anything else, any method, WebSocket upgrades too -> Django (it serves the SPA shell).', ...block('handle', reverseProxy(plan, plan.upstreams.django))];
}

function djangoOuterRows(plan: ExportPlan, djangoPrefixes: readonly string[]): string[] {
  const site: string[] = [];
  site.push('# 2. WebSocket upgrades not matched above.');
  if (plan.djangoWsPrefix !== undefined && !plan.skipped.some((line) => line.startsWith(`${plan.djangoWsPrefix}:`))) {
    site.push(...upgradeMatcher('rdp_upgrade_django', [`path_regexp ${prefixRegex([plan.djangoWsPrefix])}`]));
    site.push(...block('handle @rdp_upgrade_django', reverseProxy(plan, plan.upstreams.django)));
  }
  site.push(...upgradeMatcher('rdp_upgrade', []));
  site.push(
    ...block(
      'handle @rdp_upgrade',
      plan.frontendDir === undefined ? reverseProxy(plan, pagesUpstream(plan)) : ['# A build directory has no HMR socket.', 'respond 404'],
    ),
    '',
  );

  site.push('# 3. Django prefixes -> Django.');
  if (djangoPrefixes.length > 0) {
    site.push(`@rdp_django path_regexp ${prefixRegex(djangoPrefixes)}`, ...block('handle @rdp_django', reverseProxy(plan, plan.upstreams.django)), '');
  }

  site.push('# 4. Anything else with GET, HEAD or OPTIONS -> the frontend.', '@rdp_frontend method GET HEAD OPTIONS');
  site.push(...block('handle @rdp_frontend', frontend(plan)), '');
  site.push('# 5. Anything else -> 405, as reflex-django\'s SPA view answers.');
  site.push(...block('handle', [`header Allow "${ALLOW_HEADER}"`, 'respond 405']));
  return site;
}
