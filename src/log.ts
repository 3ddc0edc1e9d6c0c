// pino, and nothing else: JSON (async, flushed on close) when stdout is not a terminal; on a TTY,
// access records folded into one readable line each.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config/options.js';

/** Fields folded into the one-line message on a TTY (and shown in full in JSON). */
const FOLDED_FIELDS = [
  'method', 'path', 'target', 'statusCode', 'responseTime', 'closeCode', 'closedBy', 'bytesIn', 'bytesOut', 'duration', 'protocol',
  'url', 'publicUrl', 'upstreams', 'djangoPrefixes', 'supervised', 'frontendDir', 'timeToReadyMs',
];

type Fields = Record<string, unknown>;

const FLUSH_MS = 100;

function accessLine(log: Fields, messageKey: string): string {
  const message = String(log[messageKey] ?? '');
  const route = `${log.method === undefined ? '' : `${String(log.method)} `}${String(log.path ?? '')} → ${String(log.target ?? '')}`;
  if (log.statusCode !== undefined && log.responseTime !== undefined) {
    return `${route} ${String(log.statusCode)} ${String(log.responseTime)} ms`;
  }
  if (message === 'websocket closed') {
    return `websocket closed ${route} code=${String(log.closeCode ?? '-')} by=${String(log.closedBy)} in=${String(log.bytesIn)}B out=${String(log.bytesOut)}B ${String(log.duration)} ms`;
  }
  if (message === 'proxy listening') return `proxy listening on ${String(log.url)} — open ${String(log.publicUrl)}`;
  if (message === 'ready') return `ready in ${String(log.timeToReadyMs)} ms`;
  if (log.path !== undefined) return `${message} ${route}${log.statusCode === undefined ? '' : ` ${String(log.statusCode)}`}`;
  return message;
}

/** `prettyDestination` lets the terminal keep its status lines below pretty log lines. */
export function createLogger(options: { level: LogLevel; format: LogFormat; prettyDestination?: NodeJS.WritableStream }): Logger {
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
