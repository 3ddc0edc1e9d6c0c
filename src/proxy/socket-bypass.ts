// The most common "cannot connect" of Reflex apps: env.json baked in with another origin, so the
// page's /_event socket goes around the proxy without the session cookie and every proxy check
// still passes. Seen here as a page served with no Reflex socket following it while env.json names
// another origin; said once, in the log and on /__rdp/reflex.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { type Elsewhere, endpointsElsewhere, envJsonFix } from '../config/reflex-endpoints.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Decision } from '../router.js';

/** "A few seconds": a page that connects does so as soon as its scripts run. */
export const SOCKET_WAIT_MS = 5_000;

export interface SocketBypassNotice {
  readonly at: string;
  readonly message: string;
  readonly fix: string;
  readonly file: string;
  readonly endpoints: readonly Elsewhere[];
}

export interface SocketBypassOptions {
  readonly config: () => ResolvedConfig;
  /** Known once the server listens (port 0). */
  readonly publicUrl: () => string | undefined;
  readonly logger: Logger;
}

/** A browser navigating to a page of the app: the pages rows of the table in force, asked for HTML. */
function isPageLoad(req: IncomingMessage, decision: Decision, config: ResolvedConfig): boolean {
  if (decision.kind !== 'forward' || req.method !== 'GET') return false;
  const pagesRule = config.layout === 'split' ? 2 : 4;
  const dest = req.headers['sec-fetch-dest'];
  return decision.rule === pagesRule && (dest === undefined ? (req.headers.accept ?? '').includes('text/html') : dest === 'document');
}

export class SocketBypassWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastSocketAt = 0;
  private reported: SocketBypassNotice | undefined;

  constructor(private readonly options: SocketBypassOptions) {}

  private elsewhere(): { file: string; endpoints: Elsewhere[] } | undefined {
    const envJson = this.options.config().envJson;
    const publicUrl = this.options.publicUrl();
    if (envJson?.kind !== 'ok' || publicUrl === undefined) return undefined;
    const endpoints = endpointsElsewhere(envJson.envJson, publicUrl);
    return endpoints.length === 0 ? undefined : { file: envJson.envJson.file, endpoints };
  }

  /** Every forwarded request passes here; a page load starts the wait for its socket. */
  sawRequest(req: IncomingMessage, decision: Decision): void {
    if (this.timer !== undefined || !isPageLoad(req, decision, this.options.config())) return;
    const found = this.elsewhere();
    if (found === undefined || found.endpoints[0]!.value === this.reported?.endpoints[0]?.value) return;
    const servedAt = Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.lastSocketAt < servedAt) this.report();
    }, SOCKET_WAIT_MS);
    this.timer.unref();
  }

  /** A WebSocket to the Reflex backend came through the proxy. */
  sawReflexSocket(): void {
    this.lastSocketAt = Date.now();
  }

  private report(): void {
    const found = this.elsewhere();
    const publicUrl = this.options.publicUrl();
    if (found === undefined || publicUrl === undefined) return;
    const first = found.endpoints[0]!;
    const message =
      `a page was served but no Reflex socket came through the proxy within ${SOCKET_WAIT_MS / 1000} s: ${found.file} sends ` +
      `${found.endpoints.map((endpoint) => endpoint.key).join(', ')} to ${first.reaches} (${first.key} ${first.value}), not ${new URL(publicUrl).origin}, ` +
      'so the socket goes around the proxy and without the session cookie';
    this.reported = { at: new Date().toISOString(), message, fix: envJsonFix(publicUrl, found.file), file: found.file, endpoints: found.endpoints };
    this.options.logger.warn({ file: found.file, endpoints: found.endpoints, fix: this.reported.fix }, message);
  }

  /** What was said, while env.json still points elsewhere. */
  notice(): SocketBypassNotice | null {
    return this.reported !== undefined && this.elsewhere() !== undefined ? this.reported : null;
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
