// The proxy itself: resolve the config, listen, start the children it supervises, and stop
// everything cleanly on SIGINT / SIGTERM (a second signal forces the exit: 128 + its number).
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { defaultPublicUrl, type ResolvedConfig } from '../../config/resolve.js';
import { describeRoutes, routesTableText } from '../../config/routes-report.js';
import { RdpError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { DjangoFacts } from '../../project/discover-django.js';
import { reflexApiUrl } from '../../config/reflex-backend-url.js';
import { createProxy, type ProxyServer } from '../../server.js';
import type { ChildOutput } from '../../supervisor.js';
import { type PlannedChild, planLaunch } from '../../supervisor/plan.js';
import { childSpecs } from '../../supervisor/policy.js';
import { startWatchdog } from '../../supervisor/watchdog.js';
import { verifyFromDashboard } from '../../verify/dashboard-runner.js';
import type { Command } from '../context.js';
import { resolveWithDiscovery } from '../discovery.js';
import { httpsNotice } from '../https-notice.js';
import { Terminal } from '../terminal.js';
import { certificateFor, type ServedCertificate } from '../../tls/certificate.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What every stage of a running proxy shares. */
interface Session {
  readonly config: ResolvedConfig;
  readonly proxy: ProxyServer;
  readonly logger: Logger;
  readonly terminal: Terminal;
  /** Resolves with the first stop signal. */
  readonly stopped: Promise<NodeJS.Signals>;
  /** A person watches: live status lines while the children start, a ready summary after. */
  readonly live: boolean;
}

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

function warnAboutDiscovery(logger: Logger, discovery: DjangoFacts | undefined): void {
  if (discovery === undefined) return;
  if (discovery.error !== undefined) {
    logger.warn({ error: discovery.error }, 'django prefix discovery failed; using the defaults /admin and /static (give --django-prefix to choose)');
  }
  for (const warning of discovery.warnings) logger.warn({ warning }, 'django prefix discovery: add --django-prefix for what this hides');
}

/** The origin browsers use: --public-url, else the default on the port actually bound. */
function publicUrlOf(config: ResolvedConfig, address: AddressInfo): string {
  return config.publicUrl ?? defaultPublicUrl(address.port, config.https !== undefined);
}

function logListening(session: Session, address: AddressInfo, publicUrl: string, children: readonly PlannedChild[]): void {
  const { config, proxy } = session;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  session.logger.info(
    {
      url: `${config.https === undefined ? 'http' : 'https'}://${host}:${address.port}`,
      publicUrl,
      upstreams: Object.fromEntries([...proxy.upstreams].map(([name, upstream]) => [name, upstream.url.origin])),
      frontendDir: config.frontendDir,
      djangoPrefixes: config.djangoPrefixes.map((entry) => entry.prefix),
      supervised: children.map((child) => child.name),
    },
    'proxy listening',
  );
}

/** Children's lines: JSON log records, or the terminal's prefixed lines for a person. */
function childOutput({ config, logger, terminal }: Session): ChildOutput {
  if (config.logFormat !== 'json') return (proc, _stream, line) => terminal.childLine(proc, line);
  const childLog = logger.child({ component: 'child' });
  return (proc, stream, line) => childLog.info({ proc, stream, line }, 'child output');
}

/** --https: the CA and the command that trusts it, which REFLEX_API_URL Reflex gets and why. */
function announceHttps({ config, logger, terminal }: Session, served: ServedCertificate, publicUrl: string, children: readonly PlannedChild[]): void {
  const notice = httpsNotice(served, publicUrl, reflexApiUrl(publicUrl), children.some((child) => child.name === 'reflex'));
  logger.info(notice.record, notice.message);
  if (config.logFormat === 'pretty') terminal.print(notice.text);
}

function announceReady({ config, logger, terminal }: Session, publicUrl: string, timeToReadyMs: number): void {
  const routes = describeRoutes(config);
  logger.info({ publicUrl, timeToReadyMs, upstreams: routes.upstreams, djangoPrefixes: config.djangoPrefixes }, 'ready');
  if (config.logFormat === 'pretty') {
    // Over https on localhost, Reflex's socket works from the host its API URL names.
    const open = reflexApiUrl(publicUrl).openInstead ?? publicUrl;
    terminal.print(`\n  reflex-django-proxy ready in ${(timeToReadyMs / 1000).toFixed(1)} s — open ${open}\n\n${routesTableText(routes)}`);
  }
}

/** Proxy-only: every upstream is given as a URL, so there is nothing to wait for but the signal. */
async function proxyUntilStopped({ proxy, logger, stopped }: Session): Promise<number> {
  logger.info({ signal: await stopped }, 'stopping');
  await proxy.close();
  return 0;
}

/** Starts the children, announces readiness, and stops them with the proxy; exit 1 if one gave up. */
async function superviseUntilStopped(session: Session, children: readonly PlannedChild[], publicUrl: string): Promise<number> {
  const { config, proxy, logger, terminal, stopped } = session;
  // execa and the supervisor load only when there is something to supervise.
  const { Supervisor } = await import('../../supervisor.js');
  const watchdog = startWatchdog();
  const supervisor = new Supervisor(childSpecs(children, proxy.upstreams, logger, config.reservedBase.backendPath?.value), { logger, killTimeoutMs: config.killTimeoutMs, watchdog, output: childOutput(session) });
  const stopAll = async (): Promise<void> => {
    terminal.stopStatus();
    await Promise.all([proxy.close(), supervisor.stop()]);
    watchdog.close();
  };
  if (session.live) terminal.startStatus(() => supervisor.status());
  const startedAt = Date.now();
  const outcome = await Promise.race([
    supervisor.start().then(
      () => ({ ready: true }) as const,
      (error: unknown) => ({ failure: error }) as const,
    ),
    stopped.then(() => ({ ready: false }) as const),
  ]);
  terminal.stopStatus();
  if ('failure' in outcome) {
    await stopAll();
    throw outcome.failure;
  }
  if (outcome.ready) {
    announceReady(session, publicUrl, Date.now() - startedAt);
    await stopped;
  }
  logger.info({}, 'stopping');
  await stopAll();
  return supervisor.hasFailed ? 1 : 0;
}

export const command: Command = {
  name: 'start',
  usage: 'reflex-django-proxy [start] [--project DIR] [--django-url URL] [--reflex-backend-url URL --reflex-frontend-url URL | --frontend-dir DIR] [settings]',
  summary:
    "Serve Django, the Reflex backend and the Reflex frontend on one origin, routed as django_outer does. Upstreams not given as URLs are started from the project (manage.py runserver, reflex run) and supervised.",
  flags: [],
  async run({ config: flags, positionals }, context) {
    if (positionals.length > 0) {
      throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unexpected argument "${positionals[0]}"; start takes only flags (see --help for the commands and flags)`);
    }
    let discovery: DjangoFacts | undefined;
    const resolved = await resolveWithDiscovery(flags, context, { stdoutIsTTY: context.stdout.isTTY === true, onDiscovered: (facts) => (discovery = facts) });
    // A bad --cert/--key is a usage error: said before anything starts.
    const served = resolved.https === undefined ? undefined : await certificateFor(resolved.https, resolved.publicUrl ?? defaultPublicUrl(resolved.port, true), context.env);
    const plan = await planLaunch(resolved, context.env);
    const { config } = plan;
    const terminal = new Terminal(context.stdout, context.stdout.isTTY === true);
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, prettyDestination: terminal.logStream });
    warnAboutDiscovery(logger, discovery);
    const proxy = await createProxy(config, logger, { verify: verifyFromDashboard, tls: served });
    const session: Session = { config, proxy, logger, terminal, stopped: untilStopSignal(), live: context.stdout.isTTY === true && config.logFormat === 'pretty' };
    const address = await proxy.listen();
    const publicUrl = publicUrlOf(config, address);
    const children = plan.children(publicUrl);
    logListening(session, address, publicUrl, children);
    if (served !== undefined) announceHttps(session, served, publicUrl, children);
    return children.length === 0 ? proxyUntilStopped(session) : superviseUntilStopped(session, children, publicUrl);
  },
};
