// verify's HTTP client: node:http, one fresh connection per request (no pool state between
// checks), redirects not followed (a check reads them), bodies capped, every wait bounded.
import { request } from 'node:http';
import { request as requestTls } from 'node:https';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly setCookies: readonly string[];
  readonly body: string;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly timeoutMs: number;
  /** Certificates trusted over https (trust.ts); undefined: Node's own. */
  readonly ca?: readonly string[] | undefined;
}

const BODY_LIMIT = 1024 * 1024;

export function send(url: URL, options: SendOptions): Promise<Answer> {
  const open = url.protocol === 'https:' ? requestTls : request;
  return new Promise((resolve, reject) => {
    const tls = options.ca === undefined ? {} : { ca: [...options.ca] };
    const req = open(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: options.timeoutMs, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= BODY_LIMIT) chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          setCookies: res.headers['set-cookie'] ?? [],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export function headerValue(answer: Answer, name: string): string {
  const value = answer.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
