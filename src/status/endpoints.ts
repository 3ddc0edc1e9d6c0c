// The proxy's own /__rdp/ endpoints, a Fastify plugin registered under RDP_NAMESPACE by server.ts.
// Fastify only sees requests the router sent to rule 0 from an allowed client (request-handlers.ts);
// every one of them, unknown paths included, answers only the proxy's own Host names
// (host-guard.ts). New /__rdp/ endpoints are added here.
import type { FastifyPluginAsync } from 'fastify';
import type { ResolvedConfig } from '../config/resolve.js';
import { describeRoutes, routingFacts } from '../config/routes-report.js';
import type { SocketBypassNotice } from '../proxy/socket-bypass.js';
import type { AccessLog } from '../proxy/access-log.js';
import type { Upstream } from '../proxy/upstream.js';
import type { Upstream as UpstreamName } from '../router.js';
import { registerDashboard } from './dashboard-routes.js';
import { allowedHosts, hostOf, hostRefusal, newPageToken } from './host-guard.js';
import { reflexReport } from './reflex-report.js';
import { replyWith } from './reply-answer.js';
import { RequestLog } from './request-log.js';
import { SocketLog } from './socket-log.js';
import { recordTraffic } from './traffic-recorder.js';
import { registerVerify, type VerifyRunner } from './verify-route.js';

/** How many handshakes /__rdp/upgrades lists, for verify's check 7. */
const HANDSHAKES_LISTED = 50;

interface StatusOptions {
  /** The config in force: the reserved prefixes follow the Reflex app's env.json. */
  readonly config: () => ResolvedConfig;
  readonly upstreams: ReadonlyMap<UpstreamName, Upstream>;
  /** What the request path records; status reads it, the request path does not know status. */
  readonly accessLog: AccessLog;
  /** What the proxy said about a page served without its Reflex socket, while env.json points elsewhere. */
  readonly socketBypass: () => SocketBypassNotice | null;
  /** The port the proxy really listens on (--port 0 picks one). */
  readonly boundPort: () => number;
  /** The origin browsers use: --public-url, else the default one on the bound port. */
  readonly publicUrl: () => string;
  /** verify's runner for the dashboard's button (handed in: verify/ sits above status/). */
  readonly verify: VerifyRunner | undefined;
}

export const statusEndpoints: FastifyPluginAsync<StatusOptions> = async (app, { config, upstreams, accessLog, socketBypass, boundPort, publicUrl, verify }) => {
  const requests = new RequestLog();
  const sockets = new SocketLog();
  const stopRecording = recordTraffic(accessLog, requests, sockets);
  app.addHook('onClose', async () => stopRecording());

  let hosts: ReadonlySet<string> | undefined;
  app.addHook('onRequest', (request, reply, done) => {
    hosts ??= allowedHosts({ port: boundPort(), listenHost: config().host, publicUrl: config().publicUrl });
    const refusal = hostRefusal(hostOf(request.headers), hosts);
    if (refusal === undefined) done();
    else void replyWith(request, reply, 'RDP_ERR_STATUS_HOST', refusal);
  });
  // Here rather than Fastify's root handler, so the Host rule above covers unknown paths too.
  app.setNotFoundHandler((request, reply) => replyWith(request, reply, 'RDP_ERR_NOT_FOUND', `${request.method} ${request.url.split('?')[0]} is not a /__rdp/ endpoint (docs/status.md lists them)`));

  app.get('/health', async (_request, reply) => {
    const states = await Promise.all(
      [...upstreams.values()].map(async (upstream) => {
        await upstream.probe();
        return { name: upstream.name, url: upstream.url.origin, state: upstream.state };
      }),
    );
    const { frontendDir } = config();
    if (frontendDir !== undefined) states.push({ name: 'frontend', url: `file://${frontendDir}`, state: 'up' });
    const healthy = states.every((entry) => entry.state === 'up');
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'up' : 'down', upstreams: states });
  });
  app.get('/routes', async () => describeRoutes(config()));
  app.get('/reflex', async () => reflexReport(config().envJson, socketBypass()));
  app.get('/upgrades', async () => ({ upgrades: sockets.handshakes(HANDSHAKES_LISTED) }));

  const token = newPageToken();
  registerDashboard(app, {
    config,
    upstreams: [...upstreams.values()],
    requests,
    sockets,
    publicUrl,
    token,
  });
  registerVerify(app, token, verify, () => routingFacts(config()));
};
