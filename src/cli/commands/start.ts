// The proxy itself: resolve the config, start the children it supervises, listen, and stop
// everything cleanly on SIGINT / SIGTERM (a second signal forces the exit: 128 + its number).
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { defaultPublicUrl, resolveConfig } from '../../config/resolve.js';
import { reflexApiUrl } from '../../project/reflex-backend-url.js';
import { certificateFor } from '../../tls/certificate.js';
import { httpsNotice } from '../https-notice.js';
import { type DjangoFacts, discoverInProject } from '../../project/discover-django.js';
import { RdpError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { describeRoutes, routesTableText } from '../../config/routes-report.js';
import { createProxy, type ProxyServer } from '../../server.js';
import type { ChildOutput, ChildSpec } from '../../supervisor.js';
import type { PlannedChild } from '../../supervisor/plan.js';
import { planLaunch } from '../../supervisor/plan.js';
import { answersHttp, pingIsOk } from '../../supervisor/readiness.js';
import { startWatchdog } from '../../supervisor/watchdog.js';
import type { Command } from '../context.js';
import { Terminal } from '../terminal.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const APP_RUNNING_AT = /App running at:?\s*(https?:\/\/[^\s/]+)/;

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
      for (const name of STOP_SIGNALS) process.once(name, (again) => process.exit(128 + constants.signals[again]));
      resolve(signal);
    };
    for (const name of STOP_SIGNALS) process.once(name, onSignal);
  });
}

function childSpecs(children: readonly PlannedChild[], proxy: ProxyServer, logger: Logger): ChildSpec[] {
  return children.map((child): ChildSpec => {
    if (child.name === 'django') {
      const django = proxy.upstreams.get('django')!;
      return { ...child, serves: [{ upstream: django, isReady: () => answersHttp(django.url) }] };
    }
    const backend = proxy.upstreams.get('reflex')!;
    const frontend = proxy.upstreams.get('frontend');
    return {
      ...child,
      serves: [
        { upstream: backend, isReady: () => pingIsOk(backend.url) },
        ...(frontend === undefined ? [] : [{ upstream: frontend, isReady: () => answersHttp(frontend.url) }]),
      ],
      // Vite takes the next port when its own is busy; Reflex then prints where it really is.
      watchLine: (line) => {
        const found = APP_RUNNING_AT.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
        const port = found === null ? undefined : Number(new URL(found[1]!).port);
        if (frontend !== undefined && port !== undefined && port !== frontend.port) {
          logger.warn({ from: frontend.port, to: port }, 'reflex frontend moved to another port');
          frontend.moveTo(port);
        }
      },
    };
  });
}

function warnAboutDiscovery(logger: Logger, discovery: DjangoFacts | undefined): void {
  if (discovery === undefined) return;
  if (discovery.error !== undefined) {
    logger.warn({ error: discovery.error }, 'django prefix discovery failed; using the defaults /admin and /static (give --django-prefix to choose)');
  }
  for (const warning of discovery.warnings) logger.warn({ warning }, 'django prefix discovery: add --django-prefix for what this hides');
}

export const command: Command = {
  name: 'start',
  usage: 'reflex-django-proxy [start] [--project DIR] [--django-url URL] [--reflex-backend-url URL --reflex-frontend-url URL | --frontend-dir DIR] [settings]',
  summary:
    "Serve Django, the Reflex backend and the Reflex frontend on one origin, routed as django_outer does. Upstreams not given as URLs are started from the project (manage.py runserver, reflex run) and supervised.",
  flags: [],
  async run({ config: flags, positionals }, context) {
    if (positionals.length > 0) {
      throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unexpected argument "${positionals[0]}"; commands are start, routes (see --help)`);
    }
    let discovery: DjangoFacts | undefined;
    const resolved = await resolveConfig({
      flags,
      env: context.env,
      cwd: context.cwd,
      stdoutIsTTY: context.stdout.isTTY === true,
      discoverDjangoPrefixes: async (projectDir) => {
        discovery = await discoverInProject(projectDir, context.env);
        return discovery?.prefixes;
      },
    });
    const https = resolved.https;
    // A bad --cert/--key is a usage error: said before anything starts.
    const served = https === undefined ? undefined : await certificateFor(https, resolved.publicUrl ?? defaultPublicUrl(resolved.port, true), context.env);
    const plan = await planLaunch(resolved);
    const { config } = plan;
    const terminal = new Terminal(context.stdout, context.stdout.isTTY === true);
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, prettyDestination: terminal.logStream });
    warnAboutDiscovery(logger, discovery);
    const proxy = await createProxy(config, logger, served);
    const stopped = untilStopSignal();
    const address = await proxy.listen();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const publicUrl = config.publicUrl ?? defaultPublicUrl(address.port, https !== undefined);
    const api = reflexApiUrl(publicUrl);
    const children = plan.children(api.apiUrl);
    logger.info(
      {
        url: `${https === undefined ? 'http' : 'https'}://${host}:${address.port}`,
        publicUrl,
        upstreams: Object.fromEntries([...proxy.upstreams].map(([name, upstream]) => [name, upstream.url.origin])),
        frontendDir: config.frontendDir,
        djangoPrefixes: config.djangoPrefixes.map((entry) => entry.prefix),
        supervised: children.map((child) => child.name),
      },
      'proxy listening',
    );
    if (served !== undefined) {
      const notice = httpsNotice(served, publicUrl, api, children.some((child) => child.name === 'reflex'));
      logger.info(notice.record, notice.message);
      if (config.logFormat === 'pretty') terminal.print(notice.text);
    }

    if (children.length === 0) {
      logger.info({ signal: await stopped }, 'stopping');
      await proxy.close();
      return 0;
    }

    const childLog = logger.child({ component: 'child' });
    const output: ChildOutput =
      config.logFormat === 'json'
        ? (proc, stream, line) => childLog.info({ proc, stream, line }, 'child output')
        : (proc, _stream, line) => terminal.childLine(proc, line);
    // execa and the supervisor load only when there is something to supervise.
    const { Supervisor } = await import('../../supervisor.js');
    const watchdog = startWatchdog();
    const supervisor = new Supervisor(childSpecs(children, proxy, logger), { logger, killTimeoutMs: config.killTimeoutMs, watchdog, output });
    const live = context.stdout.isTTY === true && config.logFormat === 'pretty';
    if (live) terminal.startStatus(() => supervisor.status());

    const stopAll = async (): Promise<void> => {
      terminal.stopStatus();
      await Promise.all([proxy.close(), supervisor.stop()]);
      watchdog.close();
    };
    const startedAt = Date.now();
    let startFailure: unknown;
    const outcome = await Promise.race([
      supervisor.start().then(
        () => 'ready' as const,
        (error: unknown) => {
          startFailure = error;
          return 'failed' as const;
        },
      ),
      stopped.then(() => 'signal' as const),
    ]);
    terminal.stopStatus();
    if (outcome === 'failed') {
      await stopAll();
      throw startFailure;
    }
    if (outcome === 'ready') {
      const timeToReadyMs = Date.now() - startedAt;
      const routes = describeRoutes(config);
      logger.info({ publicUrl, timeToReadyMs, upstreams: routes.upstreams, djangoPrefixes: config.djangoPrefixes }, 'ready');
      if (config.logFormat === 'pretty') {
        terminal.print(`\n  reflex-django-proxy ready in ${(timeToReadyMs / 1000).toFixed(1)} s — open ${api.openInstead ?? publicUrl}\n\n${routesTableText(routes)}`);
      }
      await stopped;
    }
    logger.info({}, 'stopping');
    await stopAll();
    return supervisor.hasFailed ? 1 : 0;
  },
};
