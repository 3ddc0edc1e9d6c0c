// UserConfig → ResolvedConfig, once, at start: flag > environment > config file > discovery >
// default (docs/routing.md §1). Everything after this trusts the result.
import { readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { RdpError } from '../errors.js';
import {
  DEFAULT_DJANGO_PREFIXES,
  DEFAULT_RESERVED_PREFIXES,
  type RouteTable,
  underBackendPath,
} from '../router.js';
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

export type Source = 'flag' | 'environment' | 'config' | 'discovery' | 'default';

export interface SourcedPrefix {
  readonly prefix: string;
  readonly source: Source;
}

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
  const reflexFrontendUrl = pick('reflex-frontend-url', 'url')?.value;
  const frontendDirRaw = pick('frontend-dir', 'directory')?.value;
  if (reflexFrontendUrl !== undefined && frontendDirRaw !== undefined) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', '--frontend-dir and --reflex-frontend-url both given; keep one: a build directory or a dev server');
  }
  const frontendDir = frontendDirRaw === undefined ? undefined : checkDirectory(frontendDirRaw, input.cwd);

  const project = resolvePath(input.cwd, pick('project', 'directory')?.value ?? '.');
  const djangoPrefixes =
    pick('django-prefix', 'prefix-list') ??
    (await discovered(input, project)) ?? { value: [...DEFAULT_DJANGO_PREFIXES], source: 'default' as const };
  const extraReserved = pick('reserved-prefix', 'prefix-list');
  const backendPath = pick('reflex-backend-path', 'prefix')?.value;
  const reservedPrefixes = [
    ...withSource(underBackendPath(DEFAULT_RESERVED_PREFIXES, backendPath), 'default'),
    ...withSource(underBackendPath(extraReserved?.value ?? [], backendPath), extraReserved?.source ?? 'default'),
  ];
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
    reflexBackendUrl: pick('reflex-backend-url', 'url')?.value,
    reflexFrontendUrl,
    frontendDir,
    djangoPrefixes: withSource(djangoPrefixes.value, djangoPrefixes.source),
    reservedPrefixes,
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
      reflexPrefixes: reservedPrefixes.map((entry) => entry.prefix),
      djangoPrefixes: djangoPrefixes.value,
      djangoWsPrefix,
      frontendIsDirectory: frontendDir !== undefined,
    },
    project,
    supervise: !(pick('no-supervise', 'boolean')?.value ?? false),
    djangoPort: childPort('django-port', pick('django-port', 'port')?.value),
    reflexBackendPort: childPort('reflex-backend-port', pick('reflex-backend-port', 'port')?.value),
    reflexFrontendPort: childPort('reflex-frontend-port', pick('reflex-frontend-port', 'port')?.value),
    djangoCmd: pick('django-cmd', 'command')?.value,
    reflexCmd: pick('reflex-cmd', 'command')?.value,
    killTimeoutMs: pick('kill-timeout', 'ms')?.value ?? DEFAULTS.killTimeoutMs,
  };
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

/** The upstream flags a config lacks, for the commands that need every upstream's address. */
export function missingUpstreamFlags(config: ResolvedConfig): string[] {
  return [
    config.djangoUrl === undefined ? '--django-url' : undefined,
    config.reflexBackendUrl === undefined ? '--reflex-backend-url' : undefined,
    config.reflexFrontendUrl === undefined && config.frontendDir === undefined ? '--reflex-frontend-url (or --frontend-dir)' : undefined,
  ].filter((flag) => flag !== undefined);
}
