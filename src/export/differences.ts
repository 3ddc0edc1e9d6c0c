// Where nginx and Caddy cannot follow the routing contract (docs/routing.md), said once: the exported
// file carries the lines for its server as comments, docs/export.md lists them all, and
// test/export-parity.test.ts asserts each one against the real server.

export type ExportServer = 'nginx' | 'caddy';

export interface Difference {
  /** Referenced by the parity table's per-server expectations. */
  readonly id: string;
  readonly servers: readonly ExportServer[];
  readonly text: string;
}

export const DIFFERENCES: readonly Difference[] = Object.freeze([
  {
    id: 'normalised-path',
    servers: ['nginx', 'caddy'],
    text:
      'routes on a normalised path: "//" merged and "." / ".." segments resolved before matching, so /x/../admin/ and //admin/ reach Django ' +
      '(the proxy sends them to the frontend); the upstream still gets the target as the client sent it',
  },
  {
    id: 'encoded-slash',
    servers: ['nginx', 'caddy'],
    text: 'a decoded %2F takes part in that normalisation: /%2Fadmin/ is //admin/, merged to /admin/, and reaches Django (the proxy: the frontend)',
  },
  {
    id: 'invalid-escape',
    servers: ['nginx', 'caddy'],
    text: 'an invalid percent-escape such as /%zz is refused with 400 before routing (the proxy routes it as it is)',
  },
  {
    id: 'above-root',
    servers: ['nginx'],
    text: 'a path whose ".." segments climb above the root, such as /../admin/ or /%2e%2e/admin/, is refused with 400 (Caddy resolves it to /admin/)',
  },
  {
    id: 'nul-escape',
    servers: ['nginx'],
    text: 'an escaped NUL byte (%00) in the path is refused with 400',
  },
  {
    id: 'no-namespace',
    servers: ['nginx', 'caddy'],
    text: 'nothing answers under /__rdp/ (no health or routes endpoint): those paths are routed like any other, to the frontend',
  },
  {
    id: 'trace',
    servers: ['nginx'],
    text: 'TRACE is refused with 405 by nginx itself, on every path',
  },
  {
    id: 'no-hold',
    servers: ['nginx', 'caddy'],
    text: 'no holding while an upstream restarts: a refused connection is answered 502 at once (the proxy holds it up to --hold-timeout, then 503)',
  },
  {
    id: 'other-upgrade',
    servers: ['nginx', 'caddy'],
    text: 'an Upgrade other than websocket (h2c) is not refused with 400 as the proxy refuses it: it is routed by its path like a plain request',
  },
  {
    id: 'forwarded-headers',
    servers: ['nginx', 'caddy'],
    text: 'X-Forwarded-For, -Proto, -Host and -Port are set as the proxy sets them, but other X-Forwarded-* headers a client sends (X-Forwarded-Prefix) pass through',
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
    servers: ['nginx', 'caddy'],
    text: "the 404 and 405 answers are the server's own pages, without the proxy's RDP_ERR_* code",
  },
] as const satisfies readonly Difference[]);

export function differencesFor(server: ExportServer): Difference[] {
  return DIFFERENCES.filter((difference) => difference.servers.includes(server));
}
