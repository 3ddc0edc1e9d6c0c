// The routing contract (docs/routing.md §1–2) and nothing else: a pure function from
// (method, raw request target, is-upgrade) to a decision. No I/O, so every rule is unit-tested here.
import type { ErrorCode } from './errors.js';

export const RDP_NAMESPACE = '/__rdp';

export const DEFAULT_RESERVED_PREFIXES: readonly string[] = Object.freeze([
  '/_event',
  '/_upload',
  '/_health',
  '/_all_routes',
  '/ping',
  '/auth-codespace',
]);

export const DEFAULT_DJANGO_PREFIXES: readonly string[] = Object.freeze(['/admin', '/static']);

export const FRONTEND_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'OPTIONS']);
export const ALLOW_HEADER = FRONTEND_METHODS.join(', ');

/**
 * `django-outer`: reflex-django ≤ 2's composed mode, the table of docs/routing.md §1.
 * `split`: reflex-django v3's production layout (docs/layouts.md): the reserved Reflex paths go to
 * the Reflex backend, every other path and method to Django, which serves the SPA shell itself.
 */
export const LAYOUTS = Object.freeze(['django-outer', 'split'] as const);
export type Layout = (typeof LAYOUTS)[number];

export interface RouteTable {
  /** Reserved Reflex prefixes, normalised and already placed under the backend path. */
  readonly reflexPrefixes: readonly string[];
  readonly djangoPrefixes: readonly string[];
  /** Upgrades under this prefix go to Django (Channels); undefined keeps row 2's default. */
  readonly djangoWsPrefix?: string | undefined;
  /** The frontend is an exported build directory: no dev server, so no HMR socket. */
  readonly frontendIsDirectory: boolean;
  /** Undefined is `django-outer`. */
  readonly layout?: Layout | undefined;
  /**
   * Reflex serves its pages from the backend port (`reflex run --env prod|preview`): rows 2 and 4
   * reach the Reflex backend, and there is no frontend upstream.
   */
  readonly reflexSinglePort?: boolean | undefined;
}

export type Upstream = 'django' | 'reflex' | 'frontend';

/** Which row of the table in force decided: docs/routing.md §1 numbers them 0–5, the split layout 0–2. */
export type Rule = 0 | 1 | 2 | 3 | 4 | 5;

export type Decision =
  | { readonly kind: 'proxy'; readonly rule: 0; readonly path: string; readonly target: string }
  | {
      readonly kind: 'forward';
      readonly rule: Rule;
      readonly upstream: Upstream;
      /** The prefix that matched (rules 1–3), for `routes` and logs. */
      readonly prefix?: string;
      readonly path: string;
      /** The origin-form target to send upstream, byte for byte as the client sent it. */
      readonly target: string;
    }
  | {
      readonly kind: 'reject';
      /** Undefined when the target itself is unusable, before any row applies. */
      readonly rule: Rule | undefined;
      /** Its HTTP status is errors.ts's (statusFor): one map from code to status. */
      readonly code: Extract<ErrorCode, 'RDP_ERR_BAD_TARGET' | 'RDP_ERR_NOT_FOUND' | 'RDP_ERR_METHOD_NOT_ALLOWED'>;
      readonly reason: string;
      readonly allow?: string;
      readonly path: string;
      readonly target: string;
    };

export type ForwardDecision = Extract<Decision, { kind: 'forward' }>;
export type RejectDecision = Extract<Decision, { kind: 'reject' }>;

export function matches(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */);
}

function findPrefix(path: string, prefixes: readonly string[]): string | undefined {
  for (const prefix of prefixes) if (matches(path, prefix)) return prefix;
  return undefined;
}

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

function decodeEscapeRun(run: string): string {
  return Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8');
}

/**
 * Percent-decodes once, leniently, as Python's `urllib.parse.unquote` does for ASGI's
 * `scope["path"]`: runs of valid escapes become UTF-8 (invalid bytes as U+FFFD), and an invalid
 * escape such as `%zz` stays as it is instead of failing the request.
 */
export function decodePath(rawPath: string): string {
  return rawPath.includes('%') ? rawPath.replace(ESCAPE_RUN, decodeEscapeRun) : rawPath;
}

/**
 * The origin-form of a request target: unchanged when it already is one; for an absolute-form
 * target (`http://host/x?y`) its path and query, so it is never sent to that host.
 * Returns undefined for forms a proxied request cannot have (`*`, authority-form).
 */
export function originForm(rawTarget: string): string | undefined {
  if (rawTarget.charCodeAt(0) === 47 /* / */) return rawTarget;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(rawTarget);
  if (scheme === null) return undefined;
  const rest = rawTarget.slice(scheme[0].length);
  const pathStart = rest.search(/[/?#]/);
  if (pathStart === -1) return '/';
  const tail = rest.slice(pathStart).replace(/#.*$/s, '');
  return tail.startsWith('/') ? tail : `/${tail}`;
}

function pathOf(target: string): string {
  const query = target.indexOf('?');
  return decodePath(query === -1 ? target : target.slice(0, query));
}

export function route(method: string, rawTarget: string, isUpgrade: boolean, table: RouteTable): Decision {
  const target = originForm(rawTarget);
  if (target === undefined) {
    return {
      kind: 'reject',
      rule: undefined,
      code: 'RDP_ERR_BAD_TARGET',
      reason: 'request target must be a path (origin-form) or an absolute http URL',
      path: rawTarget,
      target: rawTarget,
    };
  }
  const path = pathOf(target);

  if (matches(path, RDP_NAMESPACE)) return { kind: 'proxy', rule: 0, path, target };

  const reflexPrefix = findPrefix(path, table.reflexPrefixes);
  if (reflexPrefix !== undefined) {
    return { kind: 'forward', rule: 1, upstream: 'reflex', prefix: reflexPrefix, path, target };
  }

  // The split layout ends here: everything else, upgrades and every method included, is Django's.
  if (table.layout === 'split') return { kind: 'forward', rule: 2, upstream: 'django', path, target };
  const pages: Upstream = table.reflexSinglePort === true ? 'reflex' : 'frontend';

  if (isUpgrade) {
    if (table.djangoWsPrefix !== undefined && matches(path, table.djangoWsPrefix)) {
      return { kind: 'forward', rule: 2, upstream: 'django', prefix: table.djangoWsPrefix, path, target };
    }
    if (table.frontendIsDirectory) {
      return {
        kind: 'reject',
        rule: 2,
        code: 'RDP_ERR_NOT_FOUND',
        reason: 'no WebSocket here: the frontend is a build directory, which has no HMR socket',
        path,
        target,
      };
    }
    return { kind: 'forward', rule: 2, upstream: pages, path, target };
  }

  const djangoPrefix = findPrefix(path, table.djangoPrefixes);
  if (djangoPrefix !== undefined) {
    return { kind: 'forward', rule: 3, upstream: 'django', prefix: djangoPrefix, path, target };
  }

  if (FRONTEND_METHODS.includes(method)) return { kind: 'forward', rule: 4, upstream: pages, path, target };

  return {
    kind: 'reject',
    rule: 5,
    code: 'RDP_ERR_METHOD_NOT_ALLOWED',
    reason: `${method} is not allowed on a frontend path; only ${ALLOW_HEADER} are (as reflex-django's SPA view answers)`,
    allow: ALLOW_HEADER,
    path,
    target,
  };
}

/**
 * One leading `/`, no trailing `/`. Returns undefined for what cannot be a prefix: a value not
 * starting with `/`, or `/` itself (it would swallow every path).
 */
export function normalizePrefix(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return undefined;
  const normalized = `/${prefix.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return normalized === '/' ? undefined : normalized;
}

/** Reflex ≥ 0.9 can mount its backend under a path; its reserved prefixes then live under it. */
export function underBackendPath(prefixes: readonly string[], backendPath: string | undefined): string[] {
  return backendPath === undefined ? [...prefixes] : prefixes.map((prefix) => `${backendPath}${prefix}`);
}
