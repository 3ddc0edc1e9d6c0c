// Assembly: a Fastify instance on :8000 whose server (built by serverFactory) runs the request path's
// handlers, which ask router.ts first and hand only /__rdp/ to Fastify's own router. Fastify owns
// listen and close and the /__rdp/ routes; proxied requests never enter it (docs/architecture.md).
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { defaultPublicUrl, missingUpstreamFlags, type ResolvedConfig } from './config/resolve.js';
import { RdpError } from './errors.js';
import { AccessLog } from './proxy/access-log.js';
import { createHttpForwarder } from './proxy/forward-http.js';
import { IdleCollector } from './proxy/idle-collector.js';
import { type LiveConfig, liveConfig } from './proxy/live-config.js';
import { OpenRelays } from './proxy/open-relays.js';
import { RouteLabels } from './proxy/route-label.js';
import { answerClientError, createRequestHandlers, type HandlerParts } from './proxy/request-handlers.js';
import { createSecureProxyServer, type TlsMaterial } from './proxy/secure-server.js';
import { SocketBypassWatch } from './proxy/socket-bypass.js';
import { createStaticHandler } from './proxy/static-dir.js';
import { createUpgradeForwarder } from './proxy/upgrade.js';
import { Upstream } from './proxy/upstream.js';
import { RDP_NAMESPACE, type Upstream as UpstreamName } from './router.js';
import { certificateFor } from './tls/certificate.js';
import { statusEndpoints } from './status/endpoints.js';
import type { VerifyRunner } from './status/verify-route.js';

export interface ProxyServer {
  readonly server: Server;
  readonly upstreams: ReadonlyMap<UpstreamName, Upstream>;
  /** Resolves with the address really bound (port 0 picks a free one). */
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** How long requests in flight at shutdown get to finish before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;

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

/** What the running proxy learns of the Reflex app: the config as its env.json changes, and the socket check. */
interface ReflexWatch {
  readonly live: LiveConfig;
  readonly bypass: SocketBypassWatch;
}

/** The request path without the status endpoints' handler, which only Fastify can supply. */
async function requestPath(config: ResolvedConfig, logger: Logger, openRelays: OpenRelays, reflex: ReflexWatch): Promise<Omit<HandlerParts, 'status'>> {
  const upstreams = requireUpstreams(config);
  const accessLog = new AccessLog(logger.child({ component: 'access' }));
  const routeTable = () => reflex.live.current().routeTable;
  const routeLabels = config.routeHeader ? new RouteLabels(routeTable) : undefined;
  const forwarding = { trustProxy: config.trustProxy, holdTimeoutMs: config.holdTimeoutMs, accessLog, logger: logger.child({ component: 'proxy' }), routeLabels };
  return {
    config,
    routeTable,
    socketWatch: reflex.bypass,
    upstreams,
    accessLog,
    routeLabels,
    forwardHttp: createHttpForwarder({ ...forwarding, responseTimeoutMs: config.responseTimeoutMs }),
    forwardUpgrade: createUpgradeForwarder({ ...forwarding, upgradeTimeoutMs: config.upgradeTimeoutMs, openRelays }),
    serveStatic: config.frontendDir === undefined ? undefined : await createStaticHandler(config.frontendDir, accessLog, routeLabels),
  };
}

/** The listening server and how a stop closes its connections: plain HTTP/1.1, or --https's TLS. */
interface Listener {
  readonly server: Server;
  closeIdle(): void;
  closeAll(): void;
}

function plainServer(config: ResolvedConfig, connectionsCheckingIntervalMs: number): Listener {
  const server = createServer({
    headersTimeout: config.headersTimeoutMs,
    // Uploads of gigabytes: no whole-request deadline, only the headers one.
    requestTimeout: 0,
    // Refused by request-checks.ts instead, with the proxy's own answer and reason (the --https
    // server's HTTP/1.1 side never checks it).
    requireHostHeader: false,
    connectionsCheckingInterval: connectionsCheckingIntervalMs,
  });
  return { server, closeIdle: () => server.closeIdleConnections(), closeAll: () => server.closeAllConnections() };
}

function nodeServer(config: ResolvedConfig, parts: HandlerParts, tls: TlsMaterial | undefined): Listener {
  const connectionsCheckingIntervalMs = Math.max(50, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4)));
  const listener =
    tls === undefined
      ? plainServer(config, connectionsCheckingIntervalMs)
      : createSecureProxyServer(tls, { headersTimeoutMs: config.headersTimeoutMs, connectionsCheckingIntervalMs });
  const { server } = listener;
  const handlers = createRequestHandlers(parts);
  server.on('request', handlers.request);
  server.on('upgrade', handlers.upgrade);
  server.on('connect', handlers.connect);
  return listener;
}

/** Fastify's own info lines ("Server listening at …") repeat the CLI's: its warnings and errors only. */
function quieter(logger: Logger): FastifyBaseLogger {
  return logger.child({ component: 'status' }, { level: logger.isLevelEnabled('warn') ? 'warn' : logger.level });
}

async function listen(app: FastifyInstance, config: ResolvedConfig): Promise<AddressInfo> {
  // For `localhost` Fastify binds each of its addresses with a server of its own, outside the
  // shutdown handling here: bind the one address Node's own listen would pick.
  const host = config.host === 'localhost' ? (await lookup(config.host)).address : config.host;
  try {
    await app.listen({ port: config.port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges' : `cannot be used (${code ?? String(error)})`;
    throw new RdpError('RDP_ERR_LISTEN', `--port: ${config.host}:${config.port} ${reason}; stop what uses it or choose another with --port`, { cause: error });
  }
  return app.server.address() as AddressInfo;
}

export interface ProxyOptions {
  /** Runs verify for the dashboard's button (verify/ sits above this module, so it is handed in). */
  readonly verify?: VerifyRunner;
  /**
   * The certificate for HTTPS (HTTP/2 and HTTP/1.1). Without it, `config.https` gets the local CA's
   * leaf or its --cert/--key pair here; with neither, plain HTTP/1.1.
   */
  readonly tls?: TlsMaterial;
}

export async function createProxy(config: ResolvedConfig, logger: Logger, options: ProxyOptions = {}): Promise<ProxyServer> {
  const material = options.tls ?? (config.https === undefined ? undefined : await certificateFor(config.https, config.publicUrl ?? defaultPublicUrl(config.port, true), process.env));
  // Loaded here, not with this module: a CLI run that fails before serving (a bad flag, no
  // manage.py) or never serves (routes, export) does not wait for Fastify to load.
  const { default: Fastify, LogController } = await import('fastify');
  const mebibytes = (bytes: number): number => Math.round(bytes / 104_857.6) / 10;
  const collector = new IdleCollector({
    onCollected: ({ usedBefore, usedAfter, sizeAfter }) =>
      logger.debug({ heapUsedBefore: mebibytes(usedBefore), heapUsedAfter: mebibytes(usedAfter), heapSize: mebibytes(sizeAfter) }, 'memory collected after a burst of websockets'),
  });
  const openRelays = new OpenRelays(collector);
  let listener: Listener | undefined;
  const boundPort = (): number => (listener!.server.address() as AddressInfo).port;
  // Known once the server listens (--port 0 picks the port).
  const publicUrl = (): string => config.publicUrl ?? defaultPublicUrl(boundPort(), material !== undefined);
  // The reserved prefixes follow the Reflex app's env.json while the proxy runs.
  const live = liveConfig(config, logger);
  const bypass = new SocketBypassWatch({
    config: live.current,
    publicUrl: () => (listener?.server.listening === true ? publicUrl() : config.publicUrl),
    logger: logger.child({ component: 'reflex' }),
  });
  const parts = await requestPath(config, logger, openRelays, { live, bypass });
  const app = Fastify({
    serverFactory: (status) => (listener = nodeServer(config, { ...parts, status }, material)).server,
    clientErrorHandler: answerClientError(logger),
    loggerInstance: quieter(logger),
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(statusEndpoints, {
    prefix: RDP_NAMESPACE,
    config: live.current,
    upstreams: parts.upstreams,
    accessLog: parts.accessLog,
    socketBypass: () => bypass.notice(),
    boundPort,
    publicUrl,
    verify: options.verify,
  });
  await app.ready();

  return {
    server: app.server,
    upstreams: parts.upstreams,
    async listen() {
      const address = await listen(app, config);
      for (const upstream of parts.upstreams.values()) void upstream.probe();
      return address;
    },
    async close() {
      // Fastify stops accepting; idle connections close (HTTP/2 ones get GOAWAY); relays hear
      // "going away" meanwhile.
      const closed = app.close();
      listener!.closeIdle();
      const relaysClosed = openRelays.closeAll();
      const grace = setTimeout(() => listener!.closeAll(), CLOSE_GRACE_MS);
      await Promise.all([closed, relaysClosed]);
      clearTimeout(grace);
      for (const upstream of parts.upstreams.values()) upstream.close();
      live.close();
      bypass.close();
      logger.flush();
    },
  };
}
