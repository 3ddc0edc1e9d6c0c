// Assembly: one Node HTTP server whose request and upgrade handlers ask router.ts first. Only the
// proxy's own /__rdp/ namespace reaches Fastify, so proxied requests never meet its URL parser
// (which refuses `/%zz` before any hook) and pay nothing for it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { missingUpstreamFlags, type ResolvedConfig } from './config/resolve.js';
import { type ProxyAnswer, proxyAnswer } from './proxy/answers.js';
import { type ErrorCode, RdpError } from './errors.js';
import { createHttpForwarder } from './proxy/forward-http.js';
import { createUpgradeForwarder, isWebSocketUpgrade, writeRawAnswer } from './proxy/forward-upgrade.js';
import { type Decision, route, type Upstream as UpstreamName } from './router.js';
import { createStaticHandler } from './proxy/static-dir.js';
import { isHttp2 } from './proxy/http2-compat.js';
import { createSecureProxyServer, type TlsMaterial } from './proxy/secure-server.js';
import { createStatusApp, type StatusApp } from './status/endpoints.js';
import { Upstream } from './proxy/upstream.js';

export interface ProxyServer {
  readonly server: Server;
  readonly upstreams: ReadonlyMap<UpstreamName, Upstream>;
  /** Resolves with the address really bound (port 0 picks a free one). */
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'RDP_ERR_HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'RDP_ERR_HEADERS_TIMEOUT',
};

const CLOSE_GRACE_MS = 2_000;

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

function requireUpstreams(config: ResolvedConfig): Map<UpstreamName, Upstream> {
  const missing = missingUpstreamFlags(config);
  if (missing.length > 0) {
    throw new RdpError('RDP_ERR_MISSING_OPTION', `missing ${missing.join(', ')}: with --no-supervise every upstream is given as a URL, e.g. --django-url http://127.0.0.1:8001`);
  }
  const upstreams = new Map<UpstreamName, Upstream>([
    ['django', new Upstream('django', config.djangoUrl!)],
    ['reflex', new Upstream('reflex', config.reflexBackendUrl!)],
  ]);
  if (config.reflexFrontendUrl !== undefined) upstreams.set('frontend', new Upstream('frontend', config.reflexFrontendUrl));
  return upstreams;
}

/** `tls`: serve HTTPS (HTTP/2 and HTTP/1.1) with this certificate; undefined: plain HTTP/1.1. */
export async function createProxy(config: ResolvedConfig, logger: Logger, tls?: TlsMaterial): Promise<ProxyServer> {
  const upstreams = requireUpstreams(config);
  const table = config.routeTable;
  const accessLog = logger.child({ component: 'access' });
  const forwardHttp = createHttpForwarder({ trustProxy: config.trustProxy, holdTimeoutMs: config.holdTimeoutMs, logger: accessLog });
  const upgrades = createUpgradeForwarder({ trustProxy: config.trustProxy, holdTimeoutMs: config.holdTimeoutMs, logger: accessLog });
  const serveStatic = config.frontendDir === undefined ? undefined : await createStaticHandler(config.frontendDir, accessLog);

  const connectionsCheckingIntervalMs = Math.max(50, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4)));
  const secure = tls === undefined ? undefined : createSecureProxyServer(tls, { headersTimeoutMs: config.headersTimeoutMs, connectionsCheckingIntervalMs });
  const server =
    secure?.server ??
    createServer({
      headersTimeout: config.headersTimeoutMs,
      // Uploads of gigabytes: no whole-request deadline, only the headers one.
      requestTimeout: 0,
      connectionsCheckingInterval: connectionsCheckingIntervalMs,
    });
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => {
    // A parse error in a request body can come while that request's response is already being
    // written: an answer now would land inside it. Node's own handler checks the same field.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const code = CLIENT_ERRORS[error.code ?? ''] ?? 'RDP_ERR_BAD_REQUEST';
    logger.debug({ code: error.code, reason: error.reason }, 'client error');
    writeRawAnswer(socket, proxyAnswer(code, error.reason ?? error.message, undefined));
  });
  let status: Promise<StatusApp> | undefined;
  const statusApp = (): Promise<StatusApp> => (status ??= createStatusApp(config, upstreams, upgrades.recent, logger.child({ component: 'status' })));

  const answer = (req: IncomingMessage, res: ServerResponse, reply: ProxyAnswer): void => {
    accessLog.info({ method: req.method, path: req.url, target: 'proxy', statusCode: reply.status, responseTime: 0 }, 'request completed');
    res.writeHead(reply.status, reply.headers).end(reply.body);
  };

  const statusAllowed = (req: IncomingMessage): boolean => config.exposeStatus || isLoopback(req.socket.remoteAddress);
  const statusForbidden = 'the /__rdp/ status endpoints answer loopback clients only; start the proxy with --expose-status to open them';

  function rejectAnswer(decision: Extract<Decision, { kind: 'reject' }>, accept: string | undefined): ProxyAnswer {
    const code: ErrorCode = decision.status === 405 ? 'RDP_ERR_METHOD_NOT_ALLOWED' : decision.status === 404 ? 'RDP_ERR_NOT_FOUND' : 'RDP_ERR_BAD_TARGET';
    return proxyAnswer(code, decision.reason, accept, { extraHeaders: decision.allow === undefined ? [] : ['Allow', decision.allow] });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const decision = route(req.method ?? 'GET', req.url ?? '/', false, table);
    if (decision.kind === 'forward') {
      if (decision.upstream === 'frontend' && serveStatic !== undefined) serveStatic(req, res, decision.path);
      else forwardHttp(req, res, upstreams.get(decision.upstream)!, decision.target);
    } else if (decision.kind === 'proxy') {
      if (!statusAllowed(req)) return answer(req, res, proxyAnswer('RDP_ERR_STATUS_FORBIDDEN', statusForbidden, req.headers.accept));
      req.url = decision.target;
      statusApp().then(
        (app) => app.handle(req, res),
        (error: unknown) => {
          logger.error({ err: error }, 'status endpoints failed to start');
          res.destroy();
        },
      );
    } else {
      answer(req, res, rejectAnswer(decision, req.headers.accept));
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!isWebSocketUpgrade(req)) {
      writeRawAnswer(socket, proxyAnswer('RDP_ERR_BAD_REQUEST', `Upgrade: ${req.headers.upgrade} is not proxied; only WebSocket upgrades are (send the request without Upgrade)`, req.headers.accept));
      return;
    }
    const decision = route(req.method ?? 'GET', req.url ?? '/', true, table);
    if (decision.kind === 'forward') upgrades.forward(req, socket, head, upstreams.get(decision.upstream)!, decision.target);
    else if (decision.kind === 'proxy') writeRawAnswer(socket, proxyAnswer('RDP_ERR_NOT_FOUND', '/__rdp/ has no WebSocket endpoints', req.headers.accept));
    else writeRawAnswer(socket, rejectAnswer(decision, req.headers.accept));
  });

  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const reply = proxyAnswer('RDP_ERR_METHOD_NOT_ALLOWED', 'CONNECT is not supported: this is a reverse proxy, not a forward one', undefined);
    // Over HTTP/2 a CONNECT is a stream with a response, not a socket.
    if (isHttp2(req)) return void (socket as unknown as ServerResponse).writeHead(reply.status, reply.headers).end(reply.body);
    socket.on('error', () => socket.destroy());
    writeRawAnswer(socket, reply);
  });

  return {
    server,
    upstreams,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
          const reason = error.code === 'EADDRINUSE' ? 'is already in use' : error.code === 'EACCES' ? 'needs privileges' : `cannot be used (${error.code ?? error.message})`;
          reject(new RdpError('RDP_ERR_LISTEN', `--port: ${config.host}:${config.port} ${reason}; stop what uses it or choose another with --port`, { cause: error }));
        };
        server.once('error', onError);
        server.listen({ port: config.port, host: config.host }, () => {
          server.removeListener('error', onError);
          resolve();
        });
      });
      for (const upstream of upstreams.values()) void upstream.probe();
      return server.address() as AddressInfo;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const relaysClosed = upgrades.closeAll();
      if (secure === undefined) server.closeIdleConnections();
      else secure.closeIdle();
      // Requests in flight get a moment to finish; then their connections are cut.
      const grace = setTimeout(() => (secure === undefined ? server.closeAllConnections() : secure.closeAll()), CLOSE_GRACE_MS);
      await Promise.all([closed, relaysClosed]);
      clearTimeout(grace);
      for (const upstream of upstreams.values()) upstream.close();
      if (status !== undefined) await (await status).close();
      logger.flush();
    },
  };
}
