// The proxy's own /__rdp/ endpoints, a Fastify plugin registered under RDP_NAMESPACE by server.ts.
// Fastify only sees requests the router sent to rule 0 from an allowed client (request-handlers.ts);
// new /__rdp/ endpoints are added here.
import type { FastifyPluginAsync } from 'fastify';
import type { ResolvedConfig } from '../config/resolve.js';
import { describeRoutes } from '../config/routes-report.js';
import type { AccessLog } from '../proxy/access-log.js';
import type { Upstream } from '../proxy/upstream.js';
import type { Upstream as UpstreamName } from '../router.js';
import { RecentUpgrades } from './recent-upgrades.js';

interface StatusOptions {
  readonly config: ResolvedConfig;
  readonly upstreams: ReadonlyMap<UpstreamName, Upstream>;
  /** What the request path records; status reads it, the request path does not know status. */
  readonly accessLog: AccessLog;
}

export const statusEndpoints: FastifyPluginAsync<StatusOptions> = async (app, { config, upstreams, accessLog }) => {
  const recentUpgrades = new RecentUpgrades(accessLog);
  app.addHook('onClose', async () => recentUpgrades.stop());

  app.get('/health', async (_request, reply) => {
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
  app.get('/routes', async () => describeRoutes(config));
  app.get('/upgrades', async () => ({ upgrades: recentUpgrades.list() }));
};
