// UserConfig → ResolvedConfig, once, at start: flag > environment > config file > discovery >
// default (docs/routing.md §1). Everything after this trusts the result.
import { readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { RdpError } from '../errors.js';
import { DEFAULT_DJANGO_PREFIXES, type Layout, type RouteTable } from '../router.js';
import {
  envNameOf,
  keyOf,
  type LogFormat,
  type LogLevel,
  OPTIONS,
  type OptionFlag,
  type OptionKind,
  PARSERS,
  type ParsedValues,
} from './options.js';

import { type EnvJsonRead, type ReservedInput, reservedPrefixes } from './reflex-endpoints.js';
import type { Source, SourcedPrefix } from './sourced.js';

export type { Source, SourcedPrefix } from './sourced.js';

/** --https: the local CA's leaf, or the user's own pair (absolute paths, checked at start). */
export type HttpsSetting =
  | { readonly certificate: 'local-ca' }
  | { readonly certificate: 'files'; readonly certFile: string; readonly keyFile: string };

export interface ResolvedConfig {
  readonly port: number;
  readonly host: string;
  /** Without a trailing slash; undefined port 0 is filled in once the server listens. */
  readonly publicUrl: string | undefined;
  /** Serve TLS (HTTP/2 and HTTP/1.1) on the one origin; undefined: plain HTTP/1.1. */
  readonly https: HttpsSetting | undefined;
  readonly djangoUrl: URL | undefined;
  readonly reflexBackendUrl: URL | undefined;
  readonly reflexFrontendUrl: URL | undefined;
  readonly frontendDir: string | undefined;
  readonly layout: Layout;
  /** Reflex serves its pages from the backend port: reflexFrontendUrl is then undefined. */
  readonly reflexSinglePort: boolean;
  /** The Reflex app's .web/env.json as last read; undefined when no project is known to read it from. */
  readonly envJson: EnvJsonRead | undefined;
  /** What the reserved prefixes are made of besides env.json, kept to rebuild them when it changes. */
  readonly reservedBase: Omit<ReservedInput, 'envJson'>;
  readonly djangoPrefixes: readonly SourcedPrefix[];
  readonly reservedPrefixes: readonly SourcedPrefix[];
  readonly djangoWsPrefix: string | undefined;
  readonly holdTimeoutMs: number;
  /** 0: no deadline for an upstream's response head (a developer paused in a debugger). */
  readonly responseTimeoutMs: number;
  /** How long an upstream may take to answer a WebSocket handshake; 0: for ever. */
  readonly upgradeTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly trustProxy: boolean;
  readonly exposeStatus: boolean;
  /** X-RDP-Route on every proxied response and WebSocket 101 (off with --no-route-header). */
  readonly routeHeader: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly configFile: string | undefined;
  readonly routeTable: RouteTable;
  /** The project folder (manage.py and rxconfig.py there or one level below). */
  readonly project: string;
  readonly supervise: boolean;
  readonly djangoPort: number | undefined;
  readonly reflexBackendPort: number | undefined;
  readonly reflexFrontendPort: number | undefined;
  readonly djangoCmd: string | undefined;
  readonly reflexCmd: string | undefined;
  readonly killTimeoutMs: number;
}

export type FlagValues = Partial<Record<OptionFlag, string | string[] | boolean>>;

export interface ConfigInput {
  readonly flags: FlagValues;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdoutIsTTY: boolean;
  /** Django prefixes read from the project, asked only when nothing above discovery gives them. */
  readonly discoverDjangoPrefixes?: (projectDir: string) => Promise<readonly string[] | undefined>;
  /**
   * The Reflex app in the project, asked when the project is known (--project given, or Reflex is
   * to be started): its env.json, and rxconfig.py's backend_path when `backendPath` is asked for.
   */
  readonly readReflexProject?: (projectDir: string, backendPath: boolean) => Promise<ReflexProjectFacts | undefined>;
}

export interface ReflexProjectFacts {
  readonly envJson: EnvJsonRead;
  readonly backendPath?: string | undefined;
}

export const DEFAULTS = Object.freeze({
  port: 8000,
  host: '127.0.0.1',
  holdTimeoutMs: 30_000,
  responseTimeoutMs: 0,
  // A handshake is answered at once by a live dev server: a stuck one must not look like a socket
  // that "connects" for ever.
  upgradeTimeoutMs: 30_000,
  headersTimeoutMs: 30_000,
  killTimeoutMs: 5_000,
  logLevel: 'info',
} as const satisfies Partial<ResolvedConfig>);

interface Picked<T> {
  readonly value: T;
  readonly source: Source;
}

function readConfigFile(path: string, cwd: string): { path: string; values: Record<string, unknown> } {
  const absolute = resolvePath(cwd, path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(absolute, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : 'cannot be read';
    throw new RdpError('RDP_ERR_CONFIG_FILE', `--config: ${absolute} ${reason}; give a JSON object such as {"djangoPrefix": ["/admin"]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RdpError('RDP_ERR_CONFIG_FILE', `--config: ${absolute} must hold a JSON object, such as {"port": 8000}`);
  }
  const fileKeys = new Map(OPTIONS.filter((option) => !('notInFile' in option)).map((option) => [keyOf(option.flag), option.flag]));
  for (const key of Object.keys(parsed)) {
    if (!fileKeys.has(key)) {
      throw new RdpError(
        'RDP_ERR_UNKNOWN_OPTION',
        `config key "${key}" in ${absolute} is not a setting; known keys: ${[...fileKeys.keys()].join(', ')}`,
      );
    }
  }
  return { path: absolute, values: parsed as Record<string, unknown> };
}

/** Reads one setting from the first source that has it, parsed and validated there. */
function makePicker(input: ConfigInput, file: { path: string; values: Record<string, unknown> } | undefined) {
  return function pick<K extends OptionKind>(flag: OptionFlag & string, kind: K): Picked<ParsedValues[K]> | undefined {
    const parse = PARSERS[kind] as (where: string, raw: unknown) => ParsedValues[K];
    const fromFlag = input.flags[flag];
    if (fromFlag !== undefined && !(Array.isArray(fromFlag) && fromFlag.length === 0)) {
      return { value: parse(`--${flag}`, fromFlag), source: 'flag' };
    }
    const spec = OPTIONS.find((option) => option.flag === flag);
    const envNames = [envNameOf(flag), ...(spec !== undefined && 'aliases' in spec ? spec.aliases : [])];
    for (const name of envNames) {
      const fromEnv = input.env[name];
      if (fromEnv !== undefined && fromEnv !== '') return { value: parse(name, fromEnv), source: 'environment' };
    }
    const key = keyOf(flag);
    if (file !== undefined && file.values[key] !== undefined) {
      return { value: parse(`config key "${key}" in ${file.path}`, file.values[key]), source: 'config' };
    }
    return undefined;
  };
}

function checkDirectory(path: string, cwd: string): string {
  const absolute = resolvePath(cwd, path);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    // reported below with the flag's name
  }
  if (!isDirectory) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', `--frontend-dir: ${absolute} is not a directory; give the folder of an exported build (.web/build/client)`);
  }
  return absolute;
}

function withSource(prefixes: readonly string[], source: Source): SourcedPrefix[] {
  return prefixes.map((prefix) => ({ prefix, source }));
}

export async function resolveConfig(input: ConfigInput): Promise<ResolvedConfig> {
  const configPath = makePicker(input, undefined)('config', 'file');
  const file = configPath === undefined ? undefined : readConfigFile(configPath.value, input.cwd);
  const pick = makePicker(input, file);

  const port = pick('port', 'port')?.value ?? DEFAULTS.port;
  const reflexBackendUrl = pick('reflex-backend-url', 'url')?.value;
  const frontendUrlGiven = pick('reflex-frontend-url', 'url')?.value;
  const frontendDirRaw = pick('frontend-dir', 'directory')?.value;
  if (frontendUrlGiven !== undefined && frontendDirRaw !== undefined) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--frontend-dir and --reflex-frontend-url both given; keep one: a build directory or a dev server');
  }
  const frontendDir = frontendDirRaw === undefined ? undefined : checkDirectory(frontendDirRaw, input.cwd);
  const layout = pick('layout', 'layout')?.value ?? 'django-outer';
  const reflexCmd = pick('reflex-cmd', 'command')?.value;
  const reflexSinglePort = singlePort(pick('reflex-single-port', 'boolean')?.value, reflexBackendUrl, frontendUrlGiven, frontendDir, reflexCmd);
  if (layout === 'split' && (frontendUrlGiven !== undefined || frontendDir !== undefined)) {
    const flag = frontendDir === undefined ? '--reflex-frontend-url' : '--frontend-dir';
    throw new RdpError('RDP_ERR_INVALID_OPTION', `${flag} is not used with --layout split, which sends every path but Reflex's to Django; drop it, or use --layout django-outer`);
  }
  const reflexFrontendUrl = reflexSinglePort ? undefined : frontendUrlGiven;

  const projectGiven = pick('project', 'directory');
  const project = resolvePath(input.cwd, projectGiven?.value ?? '.');
  const supervise = !(pick('no-supervise', 'boolean')?.value ?? false);
  const djangoPrefixFlag = pick('django-prefix', 'prefix-list');
  const extraReserved = pick('reserved-prefix', 'prefix-list');
  const backendPathPicked = pick('reflex-backend-path', 'prefix');
  const projectKnown = projectGiven !== undefined || (supervise && reflexBackendUrl === undefined);
  // Each may run the project's interpreter: side by side, not one after the other.
  const [discoveredPrefixes, reflexProject] = await Promise.all([
    djangoPrefixFlag === undefined ? discovered(input, project) : undefined,
    projectKnown ? input.readReflexProject?.(project, backendPathPicked === undefined) : undefined,
  ]);
  const djangoPrefixes = djangoPrefixFlag ?? discoveredPrefixes ?? { value: [...DEFAULT_DJANGO_PREFIXES], source: 'default' as const };
  const rxconfigPath = reflexProject?.backendPath === undefined ? undefined : { value: reflexProject.backendPath, source: 'rxconfig' as const };
  const reservedBase = {
    backendPath: backendPathPicked ?? rxconfigPath,
    extra: withSource(extraReserved?.value ?? [], extraReserved?.source ?? 'default'),
  };
  const envJson = reflexProject?.envJson;
  const reserved = reservedPrefixes({ ...reservedBase, envJson: envJson?.kind === 'ok' ? envJson.envJson : undefined });
  const djangoWsPrefix = pick('django-ws-prefix', 'prefix')?.value;
  const https = httpsSetting(pick, input.cwd);
  const publicUrl = pick('public-url', 'public-url');
  if (https !== undefined && publicUrl?.value.startsWith('http:')) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', `--public-url: ${publicUrl.value} is plain http but --https serves TLS; give an https:// URL, or leave --public-url out for https://127.0.0.1:${port || '<port>'}`);
  }

  return {
    port,
    host: pick('host', 'host')?.value ?? DEFAULTS.host,
    publicUrl: publicUrl?.value ?? (port === 0 ? undefined : defaultPublicUrl(port, https !== undefined)),
    https,
    djangoUrl: pick('django-url', 'url')?.value,
    reflexBackendUrl,
    reflexFrontendUrl,
    frontendDir,
    layout,
    reflexSinglePort,
    envJson,
    reservedBase,
    djangoPrefixes: withSource(djangoPrefixes.value, djangoPrefixes.source),
    reservedPrefixes: reserved,
    djangoWsPrefix,
    holdTimeoutMs: pick('hold-timeout', 'ms')?.value ?? DEFAULTS.holdTimeoutMs,
    responseTimeoutMs: pick('response-timeout', 'ms')?.value ?? DEFAULTS.responseTimeoutMs,
    upgradeTimeoutMs: pick('upgrade-timeout', 'ms')?.value ?? DEFAULTS.upgradeTimeoutMs,
    headersTimeoutMs: positive('headers-timeout', pick('headers-timeout', 'ms')?.value ?? DEFAULTS.headersTimeoutMs),
    trustProxy: pick('trust-proxy', 'boolean')?.value ?? false,
    exposeStatus: pick('expose-status', 'boolean')?.value ?? false,
    routeHeader: !(pick('no-route-header', 'boolean')?.value ?? false),
    logLevel: pick('log-level', 'log-level')?.value ?? DEFAULTS.logLevel,
    logFormat: pick('log-format', 'log-format')?.value ?? (input.stdoutIsTTY ? 'pretty' : 'json'),
    configFile: file?.path,
    routeTable: {
      reflexPrefixes: reserved.map((entry) => entry.prefix),
      djangoPrefixes: djangoPrefixes.value,
      djangoWsPrefix,
      frontendIsDirectory: frontendDir !== undefined,
      layout,
      reflexSinglePort,
    },
    project,
    supervise,
    djangoPort: childPort('django-port', pick('django-port', 'port')?.value),
    reflexBackendPort: childPort('reflex-backend-port', pick('reflex-backend-port', 'port')?.value),
    reflexFrontendPort: childPort('reflex-frontend-port', pick('reflex-frontend-port', 'port')?.value),
    djangoCmd: pick('django-cmd', 'command')?.value,
    reflexCmd,
    killTimeoutMs: pick('kill-timeout', 'ms')?.value ?? DEFAULTS.killTimeoutMs,
  };
}

/** The config with the reserved prefixes rebuilt from env.json as it is now (Reflex restarted). */
export function withEnvJson(config: ResolvedConfig, envJson: EnvJsonRead): ResolvedConfig {
  const reserved = reservedPrefixes({ ...config.reservedBase, envJson: envJson.kind === 'ok' ? envJson.envJson : undefined });
  return { ...config, envJson, reservedPrefixes: reserved, routeTable: { ...config.routeTable, reflexPrefixes: reserved.map((entry) => entry.prefix) } };
}

// `reflex run --env prod` (always one port in Reflex 0.9) and `--env preview` (0.9.8).
const SINGLE_PORT_RUN = /(?:^|\s)run(?:\s|$)/;
const SINGLE_PORT_ENV = /(?:^|\s)--env(?:=|\s+)["']?(?:prod|preview)\b/;

/**
 * Single-port Reflex: said with --reflex-single-port, or seen in a --reflex-cmd running
 * `reflex run --env prod|preview`, or in a frontend URL equal to the backend URL.
 */
function singlePort(given: boolean | undefined, backend: URL | undefined, frontend: URL | undefined, frontendDir: string | undefined, reflexCmd: string | undefined): boolean {
  const sameUrl = backend !== undefined && frontend !== undefined && backend.origin === frontend.origin;
  const fromCommand = reflexCmd !== undefined && SINGLE_PORT_RUN.test(reflexCmd) && SINGLE_PORT_ENV.test(reflexCmd);
  const single = given ?? (sameUrl || fromCommand);
  if (!single) return false;
  if (frontendDir !== undefined) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--frontend-dir and a single-port Reflex both given; keep one: the build directory, or the pages Reflex serves from its backend port (--reflex-single-port)');
  }
  if (frontend !== undefined && !sameUrl) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', `--reflex-frontend-url ${frontend.origin} given with a single-port Reflex, whose pages come from the backend port; drop it, or give the backend URL`);
  }
  return true;
}

/**
 * Without --public-url: localhost over http; over https 127.0.0.1, because Reflex's browser client
 * sends the socket of an https page whose API URL is on `localhost` to port 443 (docs/https.md).
 */
export function defaultPublicUrl(port: number, https: boolean): string {
  if (!https) return `http://localhost:${port}`;
  return port === 443 ? 'https://localhost' : `https://127.0.0.1:${port}`;
}

/** --cert and --key come together, and turn --https on; --https alone uses the local CA. */
function httpsSetting(pick: ReturnType<typeof makePicker>, cwd: string): HttpsSetting | undefined {
  const cert = pick('cert', 'file');
  const key = pick('key', 'file');
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? ['--key', '--cert'] : ['--cert', '--key'];
    throw new RdpError('RDP_ERR_MISSING_OPTION', `${given} given without ${missing}: give both (the certificate and its private key), or neither for the local CA`);
  }
  if (cert !== undefined && key !== undefined) return { certificate: 'files', certFile: resolvePath(cwd, cert.value), keyFile: resolvePath(cwd, key.value) };
  return pick('https', 'boolean')?.value === true ? { certificate: 'local-ca' } : undefined;
}

/** A child is told its port on the command line: "any free port" cannot be said there. */
function childPort(flag: string, port: number | undefined): number | undefined {
  if (port === 0) throw new RdpError('RDP_ERR_INVALID_OPTION', `--${flag}: 0 is not valid; expected a port from 1 to 65535 (leave it out to take the first free one)`);
  return port;
}

function positive(flag: string, ms: number): number {
  if (ms === 0) throw new RdpError('RDP_ERR_INVALID_OPTION', `--${flag}: 0 is not valid; expected a positive number of milliseconds, such as 30000`);
  return ms;
}

async function discovered(input: ConfigInput, project: string): Promise<Picked<string[]> | undefined> {
  const prefixes = await input.discoverDjangoPrefixes?.(project);
  return prefixes === undefined || prefixes.length === 0 ? undefined : { value: [...prefixes], source: 'discovery' };
}

/** The django-outer table sends pages to a frontend; split sends them to Django, single-port to Reflex. */
export function needsFrontend(config: Pick<ResolvedConfig, 'layout' | 'reflexSinglePort'>): boolean {
  return config.layout === 'django-outer' && !config.reflexSinglePort;
}

/** The upstream flags a config lacks, for the commands that need every upstream's address. */
export function missingUpstreamFlags(config: ResolvedConfig): string[] {
  return [
    config.djangoUrl === undefined ? '--django-url' : undefined,
    config.reflexBackendUrl === undefined ? '--reflex-backend-url' : undefined,
    needsFrontend(config) && config.reflexFrontendUrl === undefined && config.frontendDir === undefined ? '--reflex-frontend-url (or --frontend-dir)' : undefined,
  ].filter((flag) => flag !== undefined);
}
