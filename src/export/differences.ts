// Where the exported engines cannot follow the routing contract (docs/routing.md), said once: each
// exported file carries the lines for its engines as comments, the docs list them all, and the
// tests assert each one — against the real server (test/export-parity.test.ts) or, for the cluster
// engines, against a model of their documented matching rules (test/export-kubernetes.test.ts).

/** The engines that run one exported file in front of the upstreams' addresses. */
export type ExportServer = 'nginx' | 'caddy' | 'haproxy';
/** The engines `export kubernetes` writes for, in front of Services. */
export type ClusterEngine = 'gateway-api' | 'ingress-nginx';
export type ExportEngine = ExportServer | ClusterEngine;

/** How the comments and the docs call each engine. */
export const ENGINE_NAMES: Readonly<Record<ExportEngine, string>> = {
  nginx: 'nginx',
  caddy: 'Caddy',
  haproxy: 'HAProxy',
  'gateway-api': 'Gateway API',
  'ingress-nginx': 'ingress-nginx',
};

export interface Difference {
  /** Referenced by the parity table's per-engine expectations. */
  readonly id: string;
  readonly servers: readonly ExportEngine[];
  readonly text: string;
}

export const DIFFERENCES: readonly Difference[] = Object.freeze([
  {
    id: 'normalised-path',
    servers: ['nginx', 'caddy', 'ingress-nginx'],
    text:
      'routes on a normalised path: "//" merged and "." / ".." segments resolved before matching, so /x/../admin/ and //admin/ reach Django ' +
      '(the proxy sends them to the frontend); the upstream still gets the target as the client sent it',
  },
  {
    id: 'encoded-slash',
    servers: ['nginx', 'caddy', 'ingress-nginx'],
    text: 'a decoded %2F takes part in that normalisation: /%2Fadmin/ is //admin/, merged to /admin/, and reaches Django (the proxy: the frontend)',
  },
  {
    id: 'invalid-escape',
    servers: ['nginx', 'caddy', 'ingress-nginx'],
    text: 'an invalid percent-escape such as /%zz is refused with 400 before routing (the proxy routes it as it is)',
  },
  {
    id: 'above-root',
    servers: ['nginx', 'ingress-nginx'],
    text: 'a path whose ".." segments climb above the root, such as /../admin/ or /%2e%2e/admin/, is refused with 400 (Caddy resolves it to /admin/)',
  },
  {
    id: 'nul-escape',
    servers: ['nginx', 'ingress-nginx'],
    text: 'an escaped NUL byte (%00) in the path is refused with 400',
  },
  {
    id: 'undecoded-invalid-escape',
    servers: ['haproxy'],
    text:
      'a path holding an invalid percent-escape is matched as sent, none of its escapes decoded (url_dec refuses it whole): ' +
      '/%61dmin/%zz reaches the frontend, where the proxy decodes the valid escapes and sends it to Django',
  },
  {
    id: 'raw-path',
    servers: ['gateway-api'],
    text:
      'matches the path as the client sent it: the Gateway API defines no percent-decoding, so /%61dmin/ and /%5Fevent/ reach the frontend ' +
      '(the proxy decodes first); a gateway that normalises paths (Envoy-based ones decode unreserved escapes) may route them as the proxy does',
  },
  {
    id: 'absolute-form-host',
    servers: ['haproxy'],
    text:
      'an absolute-form target (GET http://host/path) whose host differs from the Host header is refused with 400 by HAProxy; ' +
      'one whose host matches is routed on its path and forwarded as origin-form, as the proxy does with both',
  },
  {
    id: 'websocket-key',
    servers: ['haproxy'],
    text: 'a WebSocket handshake without a valid Sec-WebSocket-Key (16 bytes in base64) is refused with 400 by HAProxy itself (the proxy passes it on to the upstream)',
  },
  {
    id: 'no-namespace',
    servers: ['nginx', 'caddy', 'haproxy', 'gateway-api', 'ingress-nginx'],
    text: 'nothing answers under /__rdp/ (no health or routes endpoint): those paths are routed like any other (to the frontend; in the split layout, to Django)',
  },
  {
    id: 'trace',
    servers: ['nginx', 'ingress-nginx'],
    text: 'TRACE is refused with 405 by nginx itself, on every path',
  },
  {
    id: 'no-405',
    servers: ['gateway-api'],
    text:
      'other methods than GET, HEAD and OPTIONS on frontend paths match no rule, so the gateway answers 404 ' +
      '(an HTTPRoute cannot answer a request itself; the proxy answers 405 with Allow)',
  },
  {
    id: 'methods-to-frontend',
    servers: ['ingress-nginx'],
    text: 'an Ingress cannot match methods: other methods than GET, HEAD and OPTIONS on frontend paths reach the frontend, which answers them itself (the proxy: 405 with Allow)',
  },
  {
    id: 'upgrades-by-path',
    servers: ['ingress-nginx'],
    text:
      'an Ingress cannot match headers, so a WebSocket upgrade goes where its path goes: under a Django prefix to Django (the proxy: the frontend), ' +
      'and plain requests under --django-ws-prefix reach Django (the proxy: the frontend)',
  },
  {
    id: 'exact-upgrade-header',
    servers: ['gateway-api'],
    text:
      'a WebSocket upgrade is matched as GET with the header "Upgrade: websocket", value compared exactly: a handshake saying "Upgrade: WebSocket" ' +
      'is routed like a plain GET (the proxy ignores case)',
  },
  {
    id: 'no-hold',
    servers: ['nginx', 'caddy'],
    text: 'no holding while an upstream restarts: a refused connection is answered 502 at once (the proxy holds it up to --hold-timeout, then 503)',
  },
  {
    id: 'retry-hold',
    servers: ['haproxy'],
    text:
      "holding while an upstream restarts is HAProxy's retries: a refused connection is tried again once a second, as many times as --hold-timeout has seconds, " +
      "then answered 503 without the proxy's page naming the upstream",
  },
  {
    id: 'cluster-no-hold',
    servers: ['gateway-api', 'ingress-nginx'],
    text:
      "no holding while an upstream restarts: a Pod leaves the Service's endpoints while its readiness probe fails, " +
      'and with no ready Pod the controller answers 502 or 503 at once (the proxy holds a request up to --hold-timeout)',
  },
  {
    id: 'other-upgrade',
    servers: ['nginx', 'caddy', 'gateway-api', 'ingress-nginx'],
    text: 'an Upgrade other than websocket (h2c) is not refused with 400 as the proxy refuses it: it is routed by its path like a plain request',
  },
  {
    id: 'forwarded-headers',
    servers: ['nginx', 'caddy', 'haproxy'],
    text: 'X-Forwarded-For, -Proto, -Host and -Port are set as the proxy sets them, but other X-Forwarded-* headers a client sends (X-Forwarded-Prefix) pass through',
  },
  {
    id: 'cluster-forwarded-headers',
    servers: ['gateway-api', 'ingress-nginx'],
    text:
      "Host is kept, but X-Forwarded-* are the controller's own (ingress-nginx sets -For, -Proto, -Host and -Port; Gateway API implementations differ), " +
      "and whether a client's own are kept is the controller's setting (ingress-nginx: use-forwarded-headers), not --trust-proxy",
  },
  {
    id: 'buffering',
    servers: ['nginx'],
    text:
      "Django and frontend responses and request bodies are buffered (nginx's default, which spares Django's workers from slow clients); " +
      'Reflex paths stream both ways. A Django StreamingHttpResponse should send "X-Accel-Buffering: no"',
  },
  {
    id: 'status-pages',
    servers: ['nginx', 'caddy', 'gateway-api', 'ingress-nginx'],
    text: "the 404 and 405 answers are the server's own pages, without the proxy's RDP_ERR_* code",
  },
  {
    id: 'plain-text-answers',
    servers: ['haproxy'],
    text: "the 400 and 405 answers are plain text naming the proxy's RDP_ERR_* code, also to a client that asks for JSON (the proxy answers it in JSON)",
  },
] as const satisfies readonly Difference[]);

export function differencesFor(engine: ExportEngine): Difference[] {
  return DIFFERENCES.filter((difference) => difference.servers.includes(engine));
}
