// The plan in HAProxy's language: a whole haproxy.cfg (HAProxy >= 2.4). HAProxy takes the first
// `use_backend` whose condition holds, so every listed prefix gets its rules, deepest prefix first,
// answering what router.ts answers when that prefix is the deepest one matching. Prefixes are
// matched exactly (`-m str /p`) or as `-m beg /p/` — segment-bounded and case-sensitive — on the
// path decoded by `url_dec`, which the contract routes on.
import { ALLOW_HEADER, FRONTEND_METHODS } from '../router.js';
import { type Behavior, type ExportPlan, headerLines, type Target, type UpstreamAddress } from './plan.js';

const INDENT = '    ';
const BACKENDS = { reflex: 'rdp_reflex', django: 'rdp_django', frontend: 'rdp_frontend', 405: 'rdp_method_not_allowed' } as const;
type Routed = keyof typeof BACKENDS;
// The condition for a WebSocket handshake, as the proxy tells one apart.
const WEBSOCKET = 'rdp_connection_upgrade rdp_websocket';

/** A word of the configuration, quoted when HAProxy's parser would split, expand or unescape it. */
function word(value: string): string {
  return /^[A-Za-z0-9/._~%:@!+,=-]+$/.test(value) ? value : `"${value.replace(/["\\$]/g, (char) => `\\${char}`)}"`;
}

function routed(target: Target): Routed {
  // planExport refuses --frontend-dir for HAProxy, the only source of these two targets.
  if (target === 'static' || target === 404) throw new Error(`HAProxy cannot answer ${target}`);
  return target;
}

/** The rules for one prefix (or, with no acl, for paths under none): branches first, then GET/HEAD/OPTIONS. */
function useBackends(behavior: Behavior, acl: string | undefined): string[] {
  const scoped = (condition: string): string => [acl, condition].filter((part) => part !== undefined && part !== '').join(' ');
  const lines: string[] = [];
  // Rule 2 comes before rules 3–5: an upgrade goes elsewhere than a plain request to the same path.
  if (behavior.upgrade !== behavior.safe) lines.push(`use_backend ${BACKENDS[routed(behavior.upgrade)]} if ${scoped(WEBSOCKET)}`);
  if (behavior.other !== behavior.safe) lines.push(`use_backend ${BACKENDS[routed(behavior.other)]} if ${scoped('!rdp_safe_method')}`);
  const safe = BACKENDS[routed(behavior.safe)];
  return [...lines, acl === undefined ? `default_backend ${safe}` : `use_backend ${safe} if ${acl}`];
}

function prefixRules(plan: ExportPlan): string[] {
  // The deepest matching prefix decides; of two prefixes matching one path, the longer is deeper.
  const deepestFirst = [...plan.prefixRules].sort((a, b) => b.prefix.length - a.prefix.length);
  return deepestFirst.flatMap((rule, index) => {
    const acl = `rdp_prefix_${index + 1}`;
    return [
      `# ${rule.prefix}`,
      `acl ${acl} var(txn.rdp_path) -m str ${word(rule.prefix)}`,
      `acl ${acl} var(txn.rdp_path) -m beg ${word(`${rule.prefix}/`)}`,
      ...useBackends(rule.behavior, acl),
      '',
    ];
  });
}

function forwardedHeaders(plan: ExportPlan): string[] {
  if (!plan.trustProxy) {
    // A client's own values are replaced, as the proxy drops them.
    return [
      'http-request set-header X-Forwarded-For %[src]',
      'http-request set-header X-Forwarded-Proto %[var(txn.rdp_scheme)]',
      'http-request set-header X-Forwarded-Host %[var(txn.rdp_host)]',
      'http-request set-header X-Forwarded-Port %[dst_port]',
    ];
  }
  return [
    '# --trust-proxy: keep what the proxy in front says (the client address appended), else say it ourselves.',
    'http-request set-header X-Forwarded-For "%[req.fhdr(x-forwarded-for)], %[src]" if { req.fhdr(x-forwarded-for) -m found }',
    'http-request set-header X-Forwarded-For %[src] unless { req.fhdr(x-forwarded-for) -m found }',
    'http-request set-header X-Forwarded-Proto %[var(txn.rdp_scheme)] unless { req.fhdr(x-forwarded-proto) -m found }',
    'http-request set-header X-Forwarded-Host %[var(txn.rdp_host)] unless { req.fhdr(x-forwarded-host) -m found }',
    'http-request set-header X-Forwarded-Port %[dst_port] unless { req.fhdr(x-forwarded-port) -m found }',
  ];
}

function frontendSection(plan: ExportPlan): string[] {
  const { host, port } = plan.listen;
  return [
    `bind ${host.includes(':') ? `[${host}]` : host}:${port}`,
    '',
    '# The path the contract routes on: percent-decoded once. url_dec refuses a path holding an',
    '# invalid escape (/%zz), which is then matched as it was sent.',
    'http-request set-var(txn.rdp_path) path,url_dec',
    'http-request set-var(txn.rdp_path) path unless { var(txn.rdp_path) -m found }',
    'http-request set-var(txn.rdp_host) req.hdr(host)',
    'http-request set-var(txn.rdp_scheme) ssl_fc,iif(https,http)',
    'acl rdp_connection_upgrade req.hdr(connection) -i -m str upgrade',
    'acl rdp_upgrade_named req.hdr(upgrade) -m found',
    'acl rdp_websocket req.hdr(upgrade) -i -m str websocket',
    `acl rdp_safe_method method ${FRONTEND_METHODS.join(' ')}`,
    'acl rdp_origin_form url_beg /',
    '',
    '# Only WebSocket upgrades are proxied; Upgrade is hop-by-hop outside a handshake.',
    'http-request return status 400 content-type "text/plain; charset=utf-8" string "400 RDP_ERR_BAD_REQUEST: only WebSocket upgrades are proxied (send the request without Upgrade)" if rdp_connection_upgrade rdp_upgrade_named !rdp_websocket',
    'http-request del-header Upgrade unless rdp_connection_upgrade',
    '# An absolute-form target (GET http://host/path) is forwarded as origin-form, never to that host.',
    'http-request set-uri %[pathq] unless rdp_origin_form',
    "# Host unchanged: Django's ALLOWED_HOSTS and CSRF Origin check compare against it.",
    ...forwardedHeaders(plan),
    '',
    ...prefixRules(plan),
    '# Everything under no prefix: the last rows of the table.',
    ...useBackends(plan.fallback, undefined),
  ];
}

/** A PCRE literal built from character classes only, which HAProxy's parser leaves alone. */
function regexLiteral(text: string): string {
  return [...text].map((char) => (/[A-Za-z0-9/:-]/.test(char) ? char : `[${char}]`)).join('');
}

function upstreamBackend(name: string, upstream: UpstreamAddress): string[] {
  return [
    `server ${name} ${upstream.hostPort}`,
    // The proxy moves a Location naming the upstream's own origin to the origin the client used.
    `http-response replace-header Location ^${regexLiteral(upstream.origin)}(/.*)?$ %[var(txn.rdp_scheme)]://%[var(txn.rdp_host)]\\1`,
  ];
}

function section(header: string, lines: readonly string[]): string[] {
  return [header, ...lines.map((line) => (line === '' ? '' : `${INDENT}${line}`)), ''];
}

export function renderHaproxy(plan: ExportPlan): string {
  // The turn-around time between two tries on one server is min(timeout connect, 1 s).
  const retries = Math.max(1, Math.ceil(plan.holdTimeoutMs / 1000));
  const defaults = [
    'mode http',
    `# A refused connection is tried again once a second, ${retries} times (--hold-timeout), then answered 503.`,
    `retries ${retries}`,
    'timeout connect 5s',
    `timeout http-request ${plan.headersTimeoutMs}ms`,
    '# Idle limits: a slow upload or a quiet stream (server-sent events, NDJSON) has an hour, an open',
    '# WebSocket (Socket.IO, HMR) a day. Bodies are neither capped nor buffered: they stream both ways.',
    'timeout client 1h',
    'timeout server 1h',
    'timeout tunnel 1d',
  ];
  const { django, reflex, frontend } = plan.upstreams;
  return [
    ...headerLines(plan).map((line) => (line === '' ? '#' : `# ${line}`)),
    '#',
    '# A whole haproxy.cfg (HAProxy >= 2.4): haproxy -f FILE. Nothing in it needs root (no chroot,',
    '# user or daemon lines): run it in the foreground or under a service manager.',
    '',
    ...section('defaults', defaults),
    ...section('frontend rdp', frontendSection(plan)),
    ...section(`backend ${BACKENDS.django}`, upstreamBackend('django', django)),
    ...section(`backend ${BACKENDS.reflex}`, upstreamBackend('reflex', reflex)),
    // Single-port Reflex and the split layout have no frontend upstream: nothing routes there.
    ...(frontend === undefined ? [] : section(`backend ${BACKENDS.frontend}`, upstreamBackend('frontend', frontend))),
    ...section(`backend ${BACKENDS[405]}`, [
      `http-request return status 405 content-type "text/plain; charset=utf-8" string "405 RDP_ERR_METHOD_NOT_ALLOWED: only ${ALLOW_HEADER} are allowed on a frontend path (as reflex-django's SPA view answers)" hdr Allow "${ALLOW_HEADER}"`,
    ]),
  ].join('\n');
}
