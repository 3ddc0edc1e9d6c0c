// Assembly: one Node HTTP server whose request and upgrade handlers ask router.ts first. Only the
// proxy's own /__rdp/ namespace reaches Fastify, so proxied requests never meet its URL parser
// (which refuses `/%zz` before any hook) and pay nothing for it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { missingUpstreamFlags, type ResolvedConfig } from './config/resolve.js';
import { AccessLog, elapsed } from './proxy/access-log.js';
import { type ProxyAnswer, proxyAnswer, writeRawAnswer } from './proxy/answers.js';
import { type ErrorCode, RdpError } from './errors.js';
import { createHttpForwarder } from './proxy/forward-http.js';
import { OpenRelays } from './proxy/open-relays.js';
import { createUpgradeForwarder, isWebSocketUpgrade } from './proxy/upgrade.js';
import { type Decision, route, type Upstream as UpstreamName } from './router.js';
import { createStaticHandler } from './proxy/static-dir.js';
import { createStatusApp, type StatusApp } from './status/endpoints.js';
import { RecentUpgrades } from './status/recent-upgrades.js';
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

export async function createProxy(config: ResolvedConfig, logger: Logger): Promise<ProxyServer> {
  const upstreams = requireUpstreams(config);
  const table = config.routeTable;
  const accessLog = new AccessLog(logger.child({ component: 'access' }));
  const proxyLog = logger.child({ component: 'proxy' });
  const forwardHttp = createHttpForwarder({ trustProxy: config.trustProxy, holdTimeoutMs: config.holdTimeoutMs, accessLog, logger: proxyLog });
  const openRelays = new OpenRelays();
  const recentUpgrades = new RecentUpgrades(accessLog);
  const forwardUpgrade = createUpgradeForwarder({ trustProxy: config.trustProxy, holdTimeoutMs: config.holdTimeoutMs, accessLog, logger: proxyLog, openRelays });
  const serveStatic = config.frontendDir === undefined ? undefined : await createStaticHandler(config.frontendDir, accessLog);

  const server = createServer({
    headersTimeout: config.headersTimeoutMs,
    // Uploads of gigabytes: no whole-request deadline, only the headers one.
    requestTimeout: 0,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4))),
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
  const statusApp = (): Promise<StatusApp> => (status ??= createStatusApp(config, upstreams, recentUpgrades, logger.child({ component: 'status' })));

  const answer = (req: IncomingMessage, res: ServerResponse, decision: Decision, reply: ProxyAnswer): void => {
    accessLog.trackHttp(req, res, decision.target, 'proxy', decision.rule);
    res.writeHead(reply.status, reply.headers).end(reply.body);
  };
  const refuseUpgrade = (req: IncomingMessage, socket: Duplex, started: number, rule: Decision['rule'], reply: ProxyAnswer): void => {
    writeRawAnswer(socket, reply);
    if (!accessLog.wants('websocket-refused')) return;
    accessLog.record({ kind: 'websocket-refused', path: req.url ?? '/', target: 'proxy', rule, refusedBy: 'proxy', statusCode: reply.status, responseTime: elapsed(started) }, req);
  };

  const statusAllowed = (req: IncomingMessage): boolean => config.exposeStatus || isLoopback(req.socket.remoteAddress);
  const statusForbidden = 'the /__rdp/ status endpoints answer loopback clients only; start the proxy with --expose-status to open them';

  function rejectAnswer(decision: Extract<Decision, { kind: 'reject' }>, accept: string | undefined): ProxyAnswer {
    return proxyAnswer(decision.code, decision.reason, accept, { extraHeaders: decision.allow === undefined ? [] : ['Allow', decision.allow] });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const decision = route(req.method ?? 'GET', req.url ?? '/', false, table);
    if (decision.kind === 'forward') {
      if (decision.upstream === 'frontend' && serveStatic !== undefined) serveStatic(req, res, decision);
      else forwardHttp(req, res, upstreams.get(decision.upstream)!, decision);
    } else if (decision.kind === 'proxy') {
      if (!statusAllowed(req)) return answer(req, res, decision, proxyAnswer('RDP_ERR_STATUS_FORBIDDEN', statusForbidden, req.headers.accept));
      req.url = decision.target;
      statusApp().then(
        (app) => app.handle(req, res),
        (error: unknown) => {
          logger.error({ err: error }, 'status endpoints failed to start');
          res.destroy();
        },
      );
    } else {
      answer(req, res, decision, rejectAnswer(decision, req.headers.accept));
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const started = performance.now();
    socket.on('error', () => socket.destroy());
    if (!isWebSocketUpgrade(req)) {
      refuseUpgrade(req, socket, started, undefined, proxyAnswer('RDP_ERR_BAD_REQUEST', `Upgrade: ${req.headers.upgrade} is not proxied; only WebSocket upgrades are (send the request without Upgrade)`, req.headers.accept));
      return;
    }
    const decision = route(req.method ?? 'GET', req.url ?? '/', true, table);
    if (decision.kind === 'forward') forwardUpgrade(req, socket, head, upstreams.get(decision.upstream)!, decision);
    else if (decision.kind === 'proxy') refuseUpgrade(req, socket, started, decision.rule, proxyAnswer('RDP_ERR_NOT_FOUND', '/__rdp/ has no WebSocket endpoints', req.headers.accept));
    else refuseUpgrade(req, socket, started, decision.rule, rejectAnswer(decision, req.headers.accept));
  });

  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const started = performance.now();
    socket.on('error', () => socket.destroy());
    const reply = proxyAnswer('RDP_ERR_METHOD_NOT_ALLOWED', 'CONNECT is not supported: this is a reverse proxy, not a forward one', undefined);
    writeRawAnswer(socket, reply);
    if (accessLog.wants('http')) accessLog.record({ kind: 'http', method: 'CONNECT', path: req.url ?? '', target: 'proxy', rule: undefined, statusCode: reply.status, responseTime: elapsed(started) }, req);
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
      const relaysClosed = openRelays.closeAll();
      server.closeIdleConnections();
      // Requests in flight get a moment to finish; then their connections are cut.
      const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await Promise.all([closed, relaysClosed]);
      clearTimeout(grace);
      for (const upstream of upstreams.values()) upstream.close();
      recentUpgrades.stop();
      if (status !== undefined) await (await status).close();
      logger.flush();
    },
  };
}
