// Every setting as data: its flag, config-file key and environment names are derived from one
// row, so they map one to one, and `--help` and docs/configuration.md are written from the same table.
import { RdpError } from '../errors.js';
import { LAYOUTS, type Layout, normalizePrefix } from '../router.js';

export type OptionKind =
  | 'url'
  | 'public-url'
  | 'port'
  | 'host'
  | 'prefix'
  | 'prefix-list'
  | 'ms'
  | 'boolean'
  | 'log-level'
  | 'log-format'
  | 'layout'
  | 'directory'
  | 'command'
  | 'file';

interface OptionSpec {
  readonly flag: string;
  readonly kind: OptionKind;
  readonly valueName?: string;
  readonly description: string;
  /** Shown in --help; the real default is applied in resolve.ts. */
  readonly defaultText?: string;
  /** Other programs' names for the same setting, read after RDP_*. */
  readonly aliases?: readonly string[];
  /** Read from the command line and environment only (a config file cannot name itself). */
  readonly notInFile?: boolean;
}

const LOG_LEVELS = Object.freeze(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const);
const LOG_FORMATS = Object.freeze(['pretty', 'json'] as const);
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

export const OPTIONS = Object.freeze([
  { flag: 'django-url', kind: 'url', valueName: 'URL', description: 'Django upstream, e.g. http://127.0.0.1:8001' },
  { flag: 'reflex-backend-url', kind: 'url', valueName: 'URL', description: 'Reflex backend upstream, e.g. http://127.0.0.1:8002' },
  { flag: 'reflex-frontend-url', kind: 'url', valueName: 'URL', description: 'Reflex frontend dev server, e.g. http://127.0.0.1:3000' },
  { flag: 'frontend-dir', kind: 'directory', valueName: 'DIR', description: 'serve an exported Reflex build instead of a dev server' },
  { flag: 'reflex-single-port', kind: 'boolean', description: 'Reflex serves its pages from the backend port (reflex run --env prod|preview): no frontend upstream', defaultText: 'detected' },
  { flag: 'project', kind: 'directory', valueName: 'DIR', description: 'the project holding manage.py and rxconfig.py (or one level below)', defaultText: '.' },
  { flag: 'django-port', kind: 'port', valueName: 'PORT', description: 'port for the Django it starts', defaultText: 'first free from 8001' },
  { flag: 'reflex-backend-port', kind: 'port', valueName: 'PORT', description: 'port for the Reflex backend it starts', defaultText: 'first free from 8002' },
  { flag: 'reflex-frontend-port', kind: 'port', valueName: 'PORT', description: 'port for the Reflex frontend it starts', defaultText: 'first free from 3000' },
  { flag: 'django-cmd', kind: 'command', valueName: 'CMD', description: 'command that starts Django; {port} {public_url}', defaultText: '<python> manage.py runserver 127.0.0.1:{port}' },
  { flag: 'reflex-cmd', kind: 'command', valueName: 'CMD', description: 'command that starts Reflex; {backend_port} {frontend_port} {public_url}', defaultText: 'reflex run --frontend-port {frontend_port} --backend-port {backend_port} --backend-host 127.0.0.1' },
  { flag: 'no-supervise', kind: 'boolean', description: 'start nothing: every upstream must be given as a URL' },
  { flag: 'kill-timeout', kind: 'ms', valueName: 'MS', description: 'grace between SIGTERM and SIGKILL when stopping children', defaultText: '5000' },
  { flag: 'port', kind: 'port', valueName: 'PORT', description: 'port to listen on (0: any free port)', defaultText: '8000' },
  { flag: 'host', kind: 'host', valueName: 'HOST', description: 'address to listen on', defaultText: '127.0.0.1' },
  { flag: 'public-url', kind: 'public-url', valueName: 'URL', description: 'the origin browsers use, told to Reflex and verify', defaultText: 'http://localhost:<port>; with --https https://127.0.0.1:<port>' },
  { flag: 'https', kind: 'boolean', description: 'serve the origin over TLS, HTTP/2 and HTTP/1.1, with a local CA (or --cert/--key)' },
  { flag: 'cert', kind: 'file', valueName: 'FILE', description: 'certificate (PEM) for --https instead of the local CA; with --key', defaultText: 'a leaf of the local CA' },
  { flag: 'key', kind: 'file', valueName: 'FILE', description: "the private key (PEM) of --cert" },
  { flag: 'django-prefix', kind: 'prefix-list', valueName: 'P', description: 'a path prefix served by Django (repeatable; replaces discovery)', aliases: ['REFLEX_DJANGO_DJANGO_PREFIX'], defaultText: '/admin, /static' },
  { flag: 'reserved-prefix', kind: 'prefix-list', valueName: 'P', description: 'an extra Reflex backend prefix (repeatable)', aliases: ['REFLEX_DJANGO_RESERVED_REFLEX_PREFIXES'] },
  { flag: 'reflex-backend-path', kind: 'prefix', valueName: 'P', description: "Reflex's backend path (Reflex ≥ 0.9); reserved prefixes live under it", aliases: ['REFLEX_BACKEND_PATH'] },
  { flag: 'django-ws-prefix', kind: 'prefix', valueName: 'P', description: 'WebSocket upgrades under P go to Django (Channels) instead of the frontend' },
  { flag: 'layout', kind: 'layout', valueName: 'LAYOUT', description: 'django-outer | split (reflex-django v3: Reflex paths to Reflex, everything else to Django)', defaultText: 'django-outer' },
  { flag: 'hold-timeout', kind: 'ms', valueName: 'MS', description: 'how long a request waits for a restarting upstream', defaultText: '30000' },
  { flag: 'upgrade-timeout', kind: 'ms', valueName: 'MS', description: 'answer 504 when an upstream sends no answer to a WebSocket handshake this long (0: wait for ever)', defaultText: '30000' },
  { flag: 'response-timeout', kind: 'ms', valueName: 'MS', description: 'answer 504 when an upstream sends no response head this long after a request (0: wait for ever)', defaultText: '0' },
  { flag: 'headers-timeout', kind: 'ms', valueName: 'MS', description: 'how long a client may take to send its headers', defaultText: '30000' },
  { flag: 'trust-proxy', kind: 'boolean', description: "keep the client's X-Forwarded-* (the proxy sits behind a trusted one)" },
  { flag: 'expose-status', kind: 'boolean', description: 'answer /__rdp/ to non-loopback clients too' },
  { flag: 'no-route-header', kind: 'boolean', description: 'leave X-RDP-Route (the deciding rule) off responses and WebSocket 101s' },
  { flag: 'config', kind: 'file', valueName: 'FILE', description: 'JSON file whose keys are these flags in camelCase', notInFile: true },
  { flag: 'log-level', kind: 'log-level', valueName: 'LEVEL', description: LOG_LEVELS.join(' | '), defaultText: 'info' },
  { flag: 'log-format', kind: 'log-format', valueName: 'FORMAT', description: 'pretty | json', defaultText: 'pretty on a TTY, else json' },
] as const satisfies readonly OptionSpec[]);

export type OptionFlag = (typeof OPTIONS)[number]['flag'];

export function keyOf(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function envNameOf(flag: string): string {
  return `RDP_${flag.replaceAll('-', '_').toUpperCase()}`;
}

export interface ParsedValues {
  url: URL;
  'public-url': string;
  port: number;
  host: string;
  prefix: string;
  'prefix-list': string[];
  ms: number;
  boolean: boolean;
  'log-level': LogLevel;
  'log-format': LogFormat;
  layout: Layout;
  directory: string;
  command: string;
  file: string;
}

function invalid(where: string, value: unknown, expected: string): RdpError {
  return new RdpError('RDP_ERR_INVALID_OPTION', `${where}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
}

function parseHttpUrl(where: string, raw: unknown, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw invalid(where, raw, `${what} such as http://127.0.0.1:8001`);
  }
  if (url.protocol !== 'http:' || url.username !== '' || url.password !== '') {
    throw invalid(where, raw, `an http:// ${what} without credentials, such as http://127.0.0.1:8001`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw invalid(where, raw, `an origin without a path (the request path is forwarded as it is): ${url.origin}`);
  }
  return url;
}

function parsePrefix(where: string, raw: unknown): string {
  const prefix = typeof raw === 'string' ? normalizePrefix(raw.trim()) : undefined;
  if (prefix === undefined) throw invalid(where, raw, 'a path prefix starting with "/", such as /admin');
  return prefix;
}

/** JSON list or comma-separated, as reflex-django reads its own list settings. */
function splitList(raw: string): unknown[] {
  const text = raw.trim();
  if (text.startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed;
  }
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

export const TRUE_WORDS: ReadonlySet<string> = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

function oneOf<T extends string>(words: readonly T[], where: string, raw: unknown): T {
  const word = words.find((candidate) => candidate === raw);
  if (word === undefined) throw invalid(where, raw, `one of ${words.join(', ')}`);
  return word;
}

type Parser<K extends OptionKind> = (where: string, raw: unknown) => ParsedValues[K];

export const PARSERS: { readonly [K in OptionKind]: Parser<K> } = {
  url: (where, raw) => parseHttpUrl(where, raw, 'URL'),
  'public-url': (where, raw) => {
    let url: URL;
    try {
      url = new URL(String(raw));
    } catch {
      throw invalid(where, raw, 'a URL such as http://localhost:8000');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(where, raw, 'an http:// or https:// URL');
    if (url.pathname !== '/' || url.search !== '') throw invalid(where, raw, `an origin without a path: ${url.origin}`);
    return url.origin;
  },
  port: (where, raw) => {
    const port = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(where, raw, 'a port number from 0 to 65535');
    return port;
  },
  host: (where, raw) => {
    const host = String(raw).trim();
    if (host === '' || /[\s/]/.test(host)) throw invalid(where, raw, 'a host name or IP address, such as 127.0.0.1 or 0.0.0.0');
    return host;
  },
  prefix: parsePrefix,
  'prefix-list': (where, raw) => {
    let items: unknown[];
    try {
      items = Array.isArray(raw) ? raw : splitList(String(raw));
    } catch {
      throw invalid(where, raw, 'a JSON list or comma-separated path prefixes, such as /admin,/api');
    }
    return [...new Set(items.map((item) => parsePrefix(where, item)))];
  },
  ms: (where, raw) => {
    const text = String(raw).trim();
    const ms = typeof raw === 'number' ? raw : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(ms) || ms < 0) throw invalid(where, raw, 'a whole number of milliseconds, such as 30000');
    return ms;
  },
  boolean: (where, raw) => {
    if (typeof raw === 'boolean') return raw;
    const word = String(raw).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw invalid(where, raw, 'true or false (1/0, yes/no, on/off)');
  },
  'log-level': (where, raw) => oneOf(LOG_LEVELS, where, raw),
  'log-format': (where, raw) => oneOf(LOG_FORMATS, where, raw),
  layout: (where, raw) => oneOf(LAYOUTS, where, raw),
  directory: (where, raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') throw invalid(where, raw, 'a directory path');
    return raw;
  },
  command: (where, raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') throw invalid(where, raw, 'a command line, such as "python manage.py runserver 127.0.0.1:{port}"');
    return raw;
  },
  file: (where, raw) => {
    if (typeof raw !== 'string' || raw.trim() === '') throw invalid(where, raw, 'a file path');
    return raw;
  },
};
