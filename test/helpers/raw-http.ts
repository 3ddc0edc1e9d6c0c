// A raw-socket HTTP client for bad-input tests: it sends bytes exactly as written (no client library
// would send a duplicate Host or a folded header) and reads every status line that comes back, so
// an informational 103 before the final answer is seen as its own head.
import { connect } from 'node:net';

export interface RawHead {
  readonly status: number;
  readonly text: string;
  /** Lower-cased names; a repeated header's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RawAnswer {
  /** The first head's status (0 when nothing came back). */
  readonly status: number;
  readonly head: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Every head in order: 1xx heads, then the final one(s) of a pipeline. */
  readonly heads: readonly RawHead[];
  /** What followed the first final head (its data, when it is chunked). */
  readonly body: string;
  /** ms from the first write to the close. */
  readonly elapsed: number;
}

function parseHead(text: string): RawHead {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text, headers };
}

/** A chunked body's data; what cannot be decoded (a cut stream) is kept as it is. */
function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = lineEnd === -1 ? NaN : parseInt(body.slice(at, lineEnd), 16);
    if (Number.isNaN(size)) return out + body.slice(at);
    if (size === 0) return out;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** Every status line in `text`, with the body that followed the first non-1xx head. */
export function parseAnswer(text: string, elapsed: number): RawAnswer {
  const heads: RawHead[] = [];
  let body = '';
  let final: RawHead | undefined;
  for (const match of text.matchAll(/HTTP\/1\.[01] \d{3}[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/g)) {
    const head = parseHead(match[0].slice(0, -4));
    heads.push(head);
    if (final === undefined && (head.status >= 200 || head.status === 101)) {
      final = head;
      body = text.slice(match.index + match[0].length);
      if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) body = dechunk(body);
    }
  }
  const first = heads[0] ?? parseHead(text);
  return { status: first.status, head: first.text, headers: (final ?? first).headers, heads, body, elapsed };
}

export interface RawOptions {
  readonly timeoutMs?: number;
  /** Resolve as soon as a final head is complete instead of waiting for the close (101, streams). */
  readonly untilFinalHead?: boolean;
}

/**
 * Writes `data` (each string of an array is one write) and reads until the proxy closes the
 * connection. Rejects if it does not within `timeoutMs` — a hang is a failure.
 */
export function raw(port: number, data: string | readonly string[], options: RawOptions = {}): Promise<RawAnswer> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let started = 0;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(text, Date.now() - started));
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (options.untilFinalHead === true && parseAnswer(text, 0).heads.some((head) => head.status >= 200 || head.status === 101)) finish();
    });
    // A reset after the answer is still an answer; what matters is what arrived.
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.once('connect', () => {
      started = Date.now();
      for (const part of Array.isArray(data) ? data : [data]) socket.write(part);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the proxy neither answered nor closed within ${timeoutMs} ms; got: ${JSON.stringify(text.slice(0, 300))}`));
    }, timeoutMs);
  });
}
