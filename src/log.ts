// pino, and nothing else: JSON (async, flushed on close) when stdout is not a terminal; on a TTY,
// access records folded into one readable line each.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config/options.js';

const ACCESS_FIELDS = ['method', 'path', 'target', 'statusCode', 'responseTime', 'closeCode', 'closedBy', 'bytesIn', 'bytesOut', 'duration', 'protocol'];

type Fields = Record<string, unknown>;

function accessLine(log: Fields, messageKey: string): string {
  const message = String(log[messageKey] ?? '');
  const route = `${log.method === undefined ? '' : `${String(log.method)} `}${String(log.path ?? '')} → ${String(log.target ?? '')}`;
  if (log.statusCode !== undefined && log.responseTime !== undefined) {
    return `${route} ${String(log.statusCode)} ${String(log.responseTime)} ms`;
  }
  if (message === 'websocket closed') {
    return `websocket closed ${route} code=${String(log.closeCode ?? '-')} by=${String(log.closedBy)} in=${String(log.bytesIn)}B out=${String(log.bytesOut)}B ${String(log.duration)} ms`;
  }
  if (log.path !== undefined) return `${message} ${route}${log.statusCode === undefined ? '' : ` ${String(log.statusCode)}`}`;
  return message;
}

export function createLogger(options: { level: LogLevel; format: LogFormat }): Logger {
  if (options.format === 'json') {
    return pino({ level: options.level, base: undefined }, pino.destination({ dest: 1, sync: false }));
  }
  const stream = pretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss.l',
    ignore: ['pid', 'hostname', ...ACCESS_FIELDS].join(','),
    messageFormat: (log, messageKey) => accessLine(log as Fields, messageKey),
    sync: true,
  });
  return pino({ level: options.level, base: undefined }, stream);
}
