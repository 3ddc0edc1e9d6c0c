// The dashboard under /__rdp/ (routes here are relative to it): the page and its files, the live
// feed (/__rdp/events) and the JSON it is made of, each also usable on its own (docs/dashboard.md).
import type { ResolvedConfig } from '../config/resolve.js';
import { describeRoutes, explainPath, explainText, ruleNames } from '../config/routes-report.js';
import type { Upstream } from '../proxy/upstream.js';
import { dashboardAssets, PAGE_POLICY } from './dashboard-assets.js';
import { DashboardFeed } from './dashboard-feed.js';
import type { FastifyInstance } from 'fastify';
import { replyWith } from './reply-answer.js';
import { REQUESTS_KEPT, type RequestLog } from './request-log.js';
import { CLOSED_SOCKETS_KEPT, type SocketLog } from './socket-log.js';
import { upstreamViews } from './upstream-view.js';

export interface DashboardSources {
  /** The config in force: the reserved prefixes follow the Reflex app's env.json. */
  readonly config: () => ResolvedConfig;
  readonly upstreams: readonly Upstream[];
  readonly requests: RequestLog;
  readonly sockets: SocketLog;
  /** The origin browsers use: --public-url, else localhost on the bound port. */
  readonly publicUrl: () => string;
  readonly token: string;
}

const METHOD = /^[A-Z]+$/;

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function registerDashboard(app: FastifyInstance, sources: DashboardSources): DashboardFeed {
  const { config, requests, sockets } = sources;
  const views = () => upstreamViews(sources.upstreams, config().frontendDir);
  const probe = (): Promise<unknown> => Promise.all(sources.upstreams.map((upstream) => upstream.probe()));
  const feed = new DashboardFeed({
    requests,
    sockets,
    upstreams: views,
    probe,
    hello: () => ({ publicUrl: sources.publicUrl(), routes: describeRoutes(config()), ruleNames: ruleNames(config()), kept: { requests: REQUESTS_KEPT, closedSockets: CLOSED_SOCKETS_KEPT } }),
  });
  // Streams end before the server waits for its connections to finish.
  app.addHook('preClose', (done) => {
    feed.close();
    done();
  });

  app.get('/', (_request, reply) =>
    reply.header('Content-Security-Policy', PAGE_POLICY).header('Referrer-Policy', 'no-referrer').header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(dashboardAssets().page(sources.token)),
  );
  app.get<{ Params: { file: string } }>('/dashboard/:file', (request, reply) => {
    const asset = dashboardAssets().file(request.params.file);
    if (asset === undefined) return replyWith(request, reply, 'RDP_ERR_NOT_FOUND', `the dashboard has no file ${JSON.stringify(request.params.file)}`);
    return reply.header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff').type(asset.contentType).send(asset.body);
  });
  app.get('/events', (request, reply) => {
    reply.hijack();
    feed.attach(reply.raw);
    request.log.debug({ listeners: feed.listeners }, 'dashboard connected');
  });
  app.get('/requests', async () => ({ kept: REQUESTS_KEPT, requests: requests.summaries() }));
  app.get<{ Params: { id: string } }>('/requests/:id', (request, reply) => {
    const detail = /^\d+$/.test(request.params.id) ? requests.detail(Number(request.params.id)) : undefined;
    if (detail === undefined) return replyWith(request, reply, 'RDP_ERR_NOT_FOUND', `request ${request.params.id} is not kept: the proxy keeps the newest ${REQUESTS_KEPT}`);
    return reply.send(detail);
  });
  app.get('/sockets', async () => sockets.list());
  // Probed now, as /__rdp/health does: a state seen before a supervised child came up is stale.
  app.get('/upstreams', async () => {
    await probe();
    return { upstreams: views() };
  });
  app.get<{ Querystring: Record<string, unknown> }>('/explain', (request, reply) => {
    const path = single(request.query.path);
    const method = (single(request.query.method) ?? 'GET').toUpperCase();
    if (path === undefined || (!path.startsWith('/') && !/^https?:\/\//.test(path))) {
      return replyWith(request, reply, 'RDP_ERR_BAD_REQUEST', 'path: give a request path starting with "/", such as ?path=/admin/');
    }
    if (!METHOD.test(method)) return replyWith(request, reply, 'RDP_ERR_BAD_REQUEST', `method: ${JSON.stringify(method)} is not an HTTP method such as GET or POST`);
    const report = explainPath(config(), method, path, single(request.query.ws) === '1');
    return reply.send({ ...report, text: explainText(report) });
  });
  return feed;
}
