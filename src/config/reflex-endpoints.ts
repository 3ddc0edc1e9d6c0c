// The backend endpoints a Reflex app's browser code uses, as its `.web/env.json` names them: Reflex
// writes that file at start from REFLEX_API_URL and REFLEX_BACKEND_PATH (docs/upstreams.md), so it
// says both which prefixes to route to Reflex and where the page's socket really goes. Pure: the
// file is read and watched in src/project/env-json.ts.
import { normalizePrefix, underBackendPath } from '../router.js';
import { browserEndpoint, reflexApiUrl } from './reflex-backend-url.js';
import type { Source, SourcedPrefix } from './sourced.js';

/** env.json's keys, each with the route it names under the backend path (the defaults' order). */
export const ENV_JSON_ENDPOINTS = Object.freeze({
  EVENT: '/_event',
  UPLOAD: '/_upload',
  HEALTH: '/_health',
  ALL_ROUTES: '/_all_routes',
  PING: '/ping',
  AUTH_CODESPACE: '/auth-codespace',
} as const);
export type EndpointKey = keyof typeof ENV_JSON_ENDPOINTS;

/** The endpoints whose origin decides whether the socket, uploads and pings pass the proxy. */
export const BROWSER_ENDPOINTS: readonly EndpointKey[] = Object.freeze(['EVENT', 'PING', 'UPLOAD']);

export interface EnvJson {
  readonly file: string;
  /** The endpoint URLs it names, as written. */
  readonly endpoints: Readonly<Partial<Record<EndpointKey, string>>>;
  /** The line each is written on, for a fix that names it. */
  readonly lines: Readonly<Partial<Record<EndpointKey, number>>>;
}

export type EnvJsonRead =
  | { readonly kind: 'ok'; readonly file: string; readonly envJson: EnvJson }
  | { readonly kind: 'missing'; readonly file: string }
  | { readonly kind: 'invalid'; readonly file: string; readonly reason: string };

const ENDPOINT_SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:']);

function endpointUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return ENDPOINT_SCHEMES.has(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

export function parseEnvJson(file: string, text: string): EnvJsonRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', file, reason: `not JSON (${(error as Error).message})` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { kind: 'invalid', file, reason: 'not a JSON object' };
  const endpoints: Partial<Record<EndpointKey, string>> = {};
  for (const key of Object.keys(ENV_JSON_ENDPOINTS) as EndpointKey[]) {
    const value = (parsed as Record<string, unknown>)[key];
    if (endpointUrl(value) !== undefined) endpoints[key] = value as string;
  }
  if (endpoints.EVENT === undefined) return { kind: 'invalid', file, reason: 'it names no EVENT endpoint (a ws:// URL)' };
  const textLines = text.split('\n');
  const lines: Partial<Record<EndpointKey, number>> = {};
  for (const key of Object.keys(endpoints) as EndpointKey[]) {
    const index = textLines.findIndex((line) => line.includes(`"${key}"`));
    if (index !== -1) lines[key] = index + 1;
  }
  return { kind: 'ok', file, envJson: { file, endpoints, lines } };
}

/** The backend path the app was started with: what precedes /_event in EVENT's path. */
export function envJsonBackendPath(envJson: EnvJson): string | undefined {
  const path = new URL(envJson.endpoints.EVENT!).pathname.replace(/\/+$/, '');
  return path.endsWith(ENV_JSON_ENDPOINTS.EVENT) ? normalizePrefix(path.slice(0, -ENV_JSON_ENDPOINTS.EVENT.length)) : undefined;
}

export interface ReservedInput {
  readonly envJson: EnvJson | undefined;
  /** REFLEX_BACKEND_PATH, wherever it was found; used only without env.json. */
  readonly backendPath: { readonly value: string; readonly source: Source } | undefined;
  /** --reserved-prefix, not yet under the backend path. */
  readonly extra: readonly SourcedPrefix[];
}

/**
 * The reserved Reflex prefixes: each endpoint env.json names (its path), the routes it does not
 * name under the backend path env.json implies; without env.json, Reflex's defaults under the
 * backend path. Extra prefixes go under the same backend path.
 */
export function reservedPrefixes(input: ReservedInput): SourcedPrefix[] {
  const backendPath = input.envJson === undefined ? input.backendPath?.value : envJsonBackendPath(input.envJson);
  const fallbackSource: Source = input.envJson === undefined ? (input.backendPath?.source ?? 'default') : 'default';
  const builtIn = (Object.entries(ENV_JSON_ENDPOINTS) as Array<[EndpointKey, string]>).map(([key, route]): SourcedPrefix => {
    const named = input.envJson?.endpoints[key];
    const prefix = named === undefined ? undefined : normalizePrefix(new URL(named).pathname);
    return prefix === undefined ? { prefix: `${backendPath ?? ''}${route}`, source: fallbackSource } : { prefix, source: 'env.json' };
  });
  const extra = input.extra.map((entry) => ({ prefix: underBackendPath([entry.prefix], backendPath)[0]!, source: entry.source }));
  const seen = new Set<string>();
  return [...builtIn, ...extra].filter((entry) => !seen.has(entry.prefix) && seen.add(entry.prefix));
}

/** The origin the browser on `pageOrigin` really sends this endpoint's requests to, as http(s). */
export function reachedOrigin(endpoint: string, pageOrigin: string): string {
  const url = browserEndpoint(endpoint, pageOrigin);
  const scheme = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  return new URL(`${scheme}//${url.host}`).origin;
}

export interface Elsewhere {
  readonly key: EndpointKey;
  /** As env.json writes it. */
  readonly value: string;
  /** Where the page's requests to it really go. */
  readonly reaches: string;
}

/** The socket, ping and upload endpoints a page on `publicUrl` would send around the proxy. */
export function endpointsElsewhere(envJson: EnvJson, publicUrl: string): Elsewhere[] {
  const origin = new URL(publicUrl).origin;
  return BROWSER_ENDPOINTS.flatMap((key) => {
    const value = envJson.endpoints[key];
    if (value === undefined) return [];
    const reaches = reachedOrigin(value, origin);
    return reaches === origin ? [] : [{ key, value, reaches }];
  });
}

/** The one-line fix for endpoints baked in with another origin; `file` as the user should see it. */
export function envJsonFix(publicUrl: string, file: string): string {
  const { apiUrl, openInstead } = reflexApiUrl(publicUrl);
  const open = openInstead === undefined ? '' : `, and open ${openInstead}`;
  return `restart \`reflex run\` with REFLEX_API_URL=${apiUrl} (and API_URL for Reflex ≤ 0.7)${open}: it is baked into ${file} at start (the proxy sets it for the Reflex it starts)`;
}
