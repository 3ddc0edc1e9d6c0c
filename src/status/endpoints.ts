// The proxy's own /__rdp/ endpoints, on Fastify. Built on the first /__rdp/ request: a proxy that
// is never asked (the benchmark's, a sidecar's between health checks) does not carry Fastify's
// memory, and proxied requests never meet its URL parser. Every one of them answers only the
// proxy's own Host names (host-guard.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/resolve.js';
import type { RecentUpgrades } from '../proxy/recent-upgrades.js';
import type { Upstream as UpstreamName } from '../router.js';
import { describeRoutes } from '../config/routes-report.js';
import type { Upstream } from '../proxy/upstream.js';
import { registerDashboard } from './dashboard-routes.js';
import { allowedHosts, hostRefusal, newPageToken } from './host-guard.js';
import { replyWith } from './fastify-glue.js';
import type { RequestLog } from './request-log.js';
import type { SocketLog } from './socket-log.js';
import { registerVerify, type VerifyRunner } from './verify-route.js';

export interface StatusApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

export interface StatusSources {
  readonly config: ResolvedConfig;
  readonly upstreams: ReadonlyMap<UpstreamName, Upstream>;
  readonly recentUpgrades: RecentUpgrades;
  readonly requests: RequestLog;
  readonly sockets: SocketLog;
  /** The port the proxy really listens on (--port 0 picks one). */
  readonly boundPort: () => number;
  readonly verify: VerifyRunner | undefined;
}

export async function createStatusApp(sources: StatusSources, logger: Logger): Promise<StatusApp> {
  const { config, upstreams, recentUpgrades } = sources;
  const { default: Fastify, LogController } = await import('fastify');
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) });
  let hosts: ReadonlySet<string> | undefined;
  app.addHook('onRequest', (request, reply, done) => {
    hosts ??= allowedHosts({ port: sources.boundPort(), listenHost: config.host, publicUrl: config.publicUrl });
    const refusal = hostRefusal(request.headers.host, hosts);
    if (refusal === undefined) done();
    else void replyWith(request, reply, 'RDP_ERR_STATUS_HOST', refusal);
  });
  app.get('/__rdp/health', async (_request, reply) => {
    const states = await Promise.all(
      [...upstreams.values()].map(async (upstream) => {
        await upstream.probe();
        return { name: upstream.name, url: upstream.url.origin, state: upstream.state };
      }),
    );
    if (config.frontendDir !== undefined) states.push({ name: 'frontend', url: `file://${config.frontendDir}`, state: 'up' });
    const healthy = states.every((entry) => entry.state === 'up');
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'up' : 'down', upstreams: states });
  });
  app.get('/__rdp/routes', async () => describeRoutes(config));
  app.get('/__rdp/upgrades', async () => ({ upgrades: recentUpgrades.list() }));
  const token = newPageToken();
  registerDashboard(app, {
    config,
    upstreams: [...upstreams.values()],
    requests: sources.requests,
    sockets: sources.sockets,
    publicUrl: () => config.publicUrl ?? `http://localhost:${sources.boundPort()}`,
    token,
  });
  registerVerify(app, token, sources.verify);
  await app.ready();
  return {
    handle: (req, res) => app.routing(req, res),
    close: () => app.close(),
  };
}
