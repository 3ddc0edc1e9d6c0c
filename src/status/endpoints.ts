// The proxy's own /__rdp/ endpoints, on Fastify. Built on the first /__rdp/ request: a proxy that
// is never asked (the benchmark's, a sidecar's between health checks) does not carry Fastify's
// memory, and proxied requests never meet its URL parser.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/resolve.js';
import type { RecentUpgrades } from './recent-upgrades.js';
import type { Upstream as UpstreamName } from '../router.js';
import { describeRoutes } from '../config/routes-report.js';
import type { Upstream } from '../proxy/upstream.js';

export interface StatusApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

export async function createStatusApp(
  config: ResolvedConfig,
  upstreams: ReadonlyMap<UpstreamName, Upstream>,
  recentUpgrades: RecentUpgrades,
  logger: Logger,
): Promise<StatusApp> {
  const { default: Fastify, LogController } = await import('fastify');
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) });
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
  await app.ready();
  return {
    handle: (req, res) => app.routing(req, res),
    close: () => app.close(),
  };
}
