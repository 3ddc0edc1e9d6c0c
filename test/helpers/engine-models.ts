// Pure models of how the two cluster engines pick a backend, from their documented rules — there is
// no cluster here, so these stand in for one. Each takes the resource `export kubernetes` wrote (as
// parsed from its YAML) and one request, and says which Service answers it, or the status the
// engine answers itself. Host matching is left out: every request is for the resource's host.
import { matches } from '../../src/router.js';

export interface ModelRequest {
  readonly method: string;
  /** The path as sent, without the query. */
  readonly path: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ServiceBackend {
  readonly name: string;
  readonly port: number;
}

interface HttpRouteMatch {
  readonly path?: { readonly type?: string; readonly value?: string };
  readonly method?: string;
  readonly headers?: ReadonlyArray<{ readonly type?: string; readonly name: string; readonly value: string }>;
  readonly queryParams?: readonly unknown[];
}

export interface HttpRouteSpec {
  readonly rules: ReadonlyArray<{ readonly matches?: readonly HttpRouteMatch[]; readonly backendRefs: readonly ServiceBackend[] }>;
}

function pathMatches(match: HttpRouteMatch, path: string): boolean {
  const type = match.path?.type ?? 'PathPrefix';
  const value = match.path?.value ?? '/';
  if (type === 'Exact') return path === value;
  if (type !== 'PathPrefix') throw new Error(`the model has no ${type} path match`);
  // "/abc" matches /abc, /abc/ and /abc/def but not /abcd; a trailing "/" in the value is ignored.
  const prefix = value.replace(/\/+$/, '');
  return prefix === '' || matches(path, prefix);
}

function headersMatch(match: HttpRouteMatch, headers: ModelRequest['headers']): boolean {
  return (match.headers ?? []).every((header) => {
    if ((header.type ?? 'Exact') !== 'Exact') throw new Error(`the model has no ${header.type} header match`);
    // Header names compare case-insensitively, values exactly.
    return headers[header.name.toLowerCase()] === header.value;
  });
}

/**
 * The Gateway API's HTTPRoute: of the matches the request satisfies, the one with an Exact path,
 * then the longest PathPrefix, then a method, then the most header matches, then the most query
 * matches wins; remaining ties go to the first rule in order. No match: 404.
 */
export function gatewayApiBackend(spec: HttpRouteSpec, request: ModelRequest): ServiceBackend | 404 {
  const candidates = spec.rules.flatMap((rule, ruleIndex) =>
    (rule.matches ?? [{}])
      .filter((match) => pathMatches(match, request.path) && (match.method === undefined || match.method === request.method) && headersMatch(match, request.headers))
      .map((match) => ({ match, ruleIndex, backend: rule.backendRefs[0]! })),
  );
  const rank = ({ match, ruleIndex }: (typeof candidates)[number]): number[] => [
    match.path?.type === 'Exact' ? 1 : 0,
    (match.path?.value ?? '/').length,
    match.method === undefined ? 0 : 1,
    match.headers?.length ?? 0,
    match.queryParams?.length ?? 0,
    -ruleIndex,
  ];
  const best = candidates.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    const differing = ra.findIndex((value, index) => value !== rb[index]);
    return differing === -1 ? 0 : rb[differing]! - ra[differing]!;
  })[0];
  return best?.backend ?? 404;
}

/**
 * nginx's request URI as its locations see it (ingress-nginx is nginx): percent-escapes decoded —
 * an invalid one or a NUL is a 400 — then "//" merged and "." / ".." segments resolved, one that
 * climbs above the root being a 400 too.
 */
export function nginxPath(rawPath: string): string | 400 {
  let decoded = '';
  for (let i = 0; i < rawPath.length; i += 1) {
    if (rawPath[i] !== '%') {
      decoded += rawPath[i];
      continue;
    }
    const hex = rawPath.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex) || hex === '00') return 400;
    decoded += String.fromCharCode(Number.parseInt(hex, 16));
    i += 2;
  }
  const segments = decoded.split('/').slice(1);
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '..') {
      if (kept.length === 0) return 400;
      kept.pop();
    } else if (segment !== '.' && segment !== '') {
      kept.push(segment);
    }
  }
  // A path ending in "/", ".", ".." or an empty segment names a directory: it keeps its trailing slash.
  const directory = ['', '.', '..'].includes(segments.at(-1) ?? '');
  return kept.length === 0 ? '/' : `/${kept.join('/')}${directory ? '/' : ''}`;
}

export interface IngressSpec {
  readonly rules: ReadonlyArray<{
    readonly http: { readonly paths: ReadonlyArray<{ readonly path: string; readonly pathType: string; readonly backend: { readonly service: { readonly name: string; readonly port: { readonly number: number } } } }> };
  }>;
}

/**
 * ingress-nginx: nginx refuses TRACE and bad paths itself; otherwise the Prefix path /p, made
 * `location = /p` and `location /p/`, that is longest among those matching the normalised path
 * wins (without regex locations, which use-regex would bring). No path: the default backend's 404.
 */
export function ingressNginxBackend(spec: IngressSpec, request: ModelRequest): ServiceBackend | 400 | 404 | 405 {
  if (request.method === 'TRACE') return 405;
  const path = nginxPath(request.path);
  if (path === 400) return 400;
  const found = spec.rules
    .flatMap((rule) => rule.http.paths)
    .filter((entry) => {
      if (entry.pathType !== 'Prefix') throw new Error(`the model has no ${entry.pathType} path`);
      return entry.path === '/' || path === entry.path || path.startsWith(`${entry.path}/`);
    })
    .sort((a, b) => b.path.length - a.path.length)[0];
  return found === undefined ? 404 : { name: found.backend.service.name, port: found.backend.service.port.number };
}
