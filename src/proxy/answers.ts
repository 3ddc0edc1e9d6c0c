// The proxy's own answers: JSON for API clients, a page for browsers. A page about an upstream
// that is down or starting refreshes itself, so the browser lands on the app once it is back.
// Sockets that left Node's HTTP server (upgrades, parse errors, CONNECT) get them written raw.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, statusFor } from '../errors.js';
import type { UpstreamFacts } from './upstream.js';

export interface ProxyAnswer {
  readonly status: number;
  /** Flat raw form, as Node's writeHead takes it. */
  readonly headers: string[];
  readonly body: string;
}

const REFRESH_SECONDS = 2;

function prefersJson(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/json') && !accept.includes('text/html');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function proxyAnswer(
  code: ErrorCode,
  message: string,
  accept: string | undefined,
  options: { upstream?: UpstreamFacts; extraHeaders?: string[] } = {},
): ProxyAnswer {
  const status = statusFor(code);
  const { upstream } = options;
  const headers = ['Cache-Control', 'no-store', ...(options.extraHeaders ?? [])];
  if (prefersJson(accept)) {
    const body = JSON.stringify({ error: code, status, message, ...(upstream === undefined ? {} : { upstream }) });
    return { status, headers: [...headers, 'Content-Type', 'application/json; charset=utf-8'], body };
  }
  if (upstream === undefined) {
    return { status, headers: [...headers, 'Content-Type', 'text/plain; charset=utf-8'], body: `${status} ${code}: ${message}\n` };
  }
  return { status, headers: [...headers, 'Content-Type', 'text/html; charset=utf-8'], body: upstreamPage(status, code, message, upstream) };
}

function upstreamPage(status: number, code: ErrorCode, message: string, upstream: UpstreamFacts): string {
  const refresh = status === 503 ? `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` : '';
  const waiting = status === 503 ? `<p>This page reloads itself every ${REFRESH_SECONDS} s until ${escapeHtml(upstream.name)} answers.</p>` : '';
  const log =
    upstream.logTail.length === 0 ? '' : `<h2>Last log lines</h2><pre>${escapeHtml(upstream.logTail.join('\n'))}</pre>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>${status} · ${escapeHtml(upstream.name)} is ${upstream.state}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:48rem;padding:0 1rem;color:#222}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f4f4f4;padding:1rem;overflow:auto}</style></head>
<body><h1>${escapeHtml(upstream.name)} is ${upstream.state}</h1>
<p><code>${escapeHtml(upstream.url)}</code> — ${escapeHtml(message)}</p>${waiting}${log}
<p><small>reflex-django-proxy · ${code}</small></p></body></html>
`;
}

/** An HTTP/1.1 response head from flat raw headers, for a socket Node's server no longer writes to. */
export function headBlock(status: number, statusMessage: string | undefined, headers: readonly string[]): string {
  let block = `HTTP/1.1 ${status} ${statusMessage || STATUS_CODES[status] || ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) block += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${block}\r\n`;
}

/** Answers on a socket that left Node's HTTP server, then ends it. */
export function writeRawAnswer(socket: Duplex, answer: ProxyAnswer): void {
  if (socket.destroyed) return;
  const headers = [...answer.headers, 'Content-Length', String(Buffer.byteLength(answer.body)), 'Connection', 'close'];
  socket.end(headBlock(answer.status, undefined, headers) + answer.body);
}
