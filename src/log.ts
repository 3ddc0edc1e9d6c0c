// pino, and nothing else: JSON (async, flushed on close) when stdout is not a terminal; on a TTY,
// access records folded into one readable line each.
import { createRequire } from 'node:module';
import pino, { type LevelWithSilent, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

/** Fields folded into the one-line message on a TTY (and shown in full in JSON). */
const FOLDED_FIELDS = [
  'kind', 'rule', 'method', 'path', 'target', 'statusCode', 'responseTime', 'refusedBy', 'closeCode', 'closedBy', 'bytesIn', 'bytesOut', 'duration', 'protocol',
  'url', 'publicUrl', 'upstreams', 'djangoPrefixes', 'supervised', 'frontendDir', 'timeToReadyMs',
  // start --https's record: on a terminal the CLI prints them as a block of its own.
  'caPath', 'caCreated', 'leafCreated', 'leafPath', 'leafExpires', 'trust', 'reflexApiUrl', 'openInstead', 'reflex', 'warnings',
];

type Fields = Record<string, unknown>;

const FLUSH_MS = 100;

/** The access records (src/proxy/access-log.ts), by their `kind`. */
const ACCESS_LINES: Readonly<Record<string, (log: Fields, route: string) => string>> = {
  http: (log, route) => `${String(log.method)} ${route} ${String(log.statusCode)} ${String(log.responseTime)} ms`,
  'websocket-opened': (_log, route) => `websocket opened ${route}`,
  'websocket-refused': (log, route) => `websocket refused by ${String(log.refusedBy)} ${route} ${String(log.statusCode)}`,
  'websocket-closed': (log, route) =>
    `websocket closed ${route} code=${String(log.closeCode ?? '-')} by=${String(log.closedBy)} in=${String(log.bytesIn)}B out=${String(log.bytesOut)}B ${String(log.duration)} ms`,
};

function accessLine(log: Fields, messageKey: string): string {
  const route = `${String(log.path ?? '')} → ${String(log.target ?? '')}`;
  const access = typeof log.kind === 'string' ? ACCESS_LINES[log.kind] : undefined;
  if (access !== undefined) return access(log, route);
  if (log.timeToReadyMs !== undefined) return `ready in ${String(log.timeToReadyMs)} ms`;
  if (log.publicUrl !== undefined && log.url !== undefined) return `proxy listening on ${String(log.url)} — open ${String(log.publicUrl)}`;
  const message = String(log[messageKey] ?? '');
  // Other records about one request (an upstream that failed it) name its path.
  if (log.path !== undefined) return `${message} ${String(log.path)}`;
  return message;
}

/** `prettyDestination` lets the terminal keep its status lines below pretty log lines. */
export function createLogger(options: { level: LevelWithSilent; format: 'json' | 'pretty'; prettyDestination?: NodeJS.WritableStream }): Logger {
  if (options.format === 'json') {
    // One write per busy moment rather than per request: records gather up to 4 KiB, and what
    // gathered in a quiet moment goes out within FLUSH_MS.
    const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => destination.flush(), FLUSH_MS).unref();
    return pino({ level: options.level, base: undefined }, destination);
  }
  // Loaded only for a terminal: a JSON-logging proxy (CI, a container) does not carry it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const stream = pretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss.l',
    ignore: ['pid', 'hostname', ...FOLDED_FIELDS].join(','),
    messageFormat: (log, messageKey) => accessLine(log as Fields, messageKey),
    sync: true,
    ...(options.prettyDestination === undefined ? {} : { destination: options.prettyDestination }),
  });
  return pino({ level: options.level, base: undefined }, stream);
}
