// The library: `startProxy` and `verify` for a team's own test suite or CI script (Playwright, a
// Node script, pytest through a subprocess), documented in docs/api.md; and the building blocks
// the CLI is made of.
import type { Logger } from 'pino';
import { resolveConfig, type ResolvedConfig } from './config/resolve.js';
import { keyOf, OPTIONS, type OptionFlag } from './config/options.js';
import { RdpError } from './errors.js';
import { reflexProjectReader } from './cli/reflex-project.js';
import { createLogger } from './log.js';
import { createProxy, type ProxyServer } from './server.js';
import { runChecks } from './verify/checks.js';
import type { CheckResult, CheckStatus } from './verify/runner.js';
import { verifyFromDashboard } from './verify/dashboard-runner.js';
import { junitReport } from './verify/junit.js';
import { type VerifyInput, verifyOptions } from './verify/options.js';

export { resolveConfig, DEFAULTS, type ResolvedConfig, type ConfigInput, type Source } from './config/resolve.js';
export { OPTIONS } from './config/options.js';
export { createProxy, type ProxyServer } from './server.js';
export type { TlsMaterial } from './proxy/secure-server.js';
export { route, matches, decodePath, normalizePrefix, DEFAULT_DJANGO_PREFIXES, DEFAULT_RESERVED_PREFIXES, type Decision, type RouteTable } from './router.js';
export { describeRoutes, explainPath, type RoutesReport, type PathReport } from './config/routes-report.js';
export { createLogger } from './log.js';
export { RdpError, ERRORS, type ErrorCode } from './errors.js';
export { run } from './cli/main.js';
export type { CheckResult, CheckStatus } from './verify/runner.js';
export type { VerifyInput } from './verify/options.js';

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The settings a config file takes, by the same camelCase keys: `djangoUrl`, `djangoPrefix`, `port` … */
export type ProxySettings = {
  readonly [Flag in Exclude<OptionFlag, 'config'> as CamelCase<Flag>]?: string | number | boolean | readonly string[];
};

export interface StartProxyOptions extends ProxySettings {
  /** Environment variables to read RDP_* settings from; none are read unless given (e.g. process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Folder that relative paths (frontendDir) are resolved against; default process.cwd(). */
  readonly cwd?: string;
  /** A pino logger of your own; default: JSON to stdout at `logLevel`, which defaults to silent here. */
  readonly logger?: Logger;
}

export interface RunningProxy {
  /** Where the proxy answers on this machine, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** The origin browsers are told about (--public-url), else `url` with localhost. */
  readonly publicUrl: string;
  readonly config: ResolvedConfig;
  readonly proxy: ProxyServer;
  /** Ends open sockets with 1001, lets requests in flight finish briefly, and releases the port. */
  close(): Promise<void>;
}

const SETTING_FLAGS = new Map<string, OptionFlag>(OPTIONS.filter((option) => option.flag !== 'config').map((option) => [keyOf(option.flag), option.flag]));
const OWN_KEYS = new Set(['env', 'cwd', 'logger']);

/**
 * Starts the proxy in front of servers you run (Django, the Reflex backend, the frontend dev
 * server or a build directory), on a free loopback port unless `port` is given. It supervises
 * nothing: every upstream is a URL (`djangoUrl`, `reflexBackendUrl`, `reflexFrontendUrl` or
 * `frontendDir`).
 */
export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const flags: Record<string, unknown> = { port: 0, 'no-supervise': true };
  for (const [key, value] of Object.entries(options)) {
    if (OWN_KEYS.has(key) || value === undefined) continue;
    const flag = SETTING_FLAGS.get(key);
    if (flag === undefined) throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `startProxy: "${key}" is not a setting; known: ${[...SETTING_FLAGS.keys(), ...OWN_KEYS].join(', ')}`);
    flags[flag] = value;
  }
  // Option values are checked by the same parsers as flags and config keys.
  const env = options.env ?? {};
  // With `project`, the Reflex app's env.json places the reserved prefixes, as for the CLI.
  const config = await resolveConfig({ flags: flags as never, env, cwd: options.cwd ?? process.cwd(), stdoutIsTTY: false, readReflexProject: reflexProjectReader(env) });
  const logger = options.logger ?? createLogger({ level: options.logLevel === undefined ? 'silent' : config.logLevel, format: 'json' });
  const proxy = await createProxy(config, logger, { verify: verifyFromDashboard });
  const address = await proxy.listen();
  const host = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    publicUrl: config.publicUrl ?? `http://localhost:${address.port}`,
    config,
    proxy,
    close: () => proxy.close(),
  };
}

export interface VerifyOptions extends VerifyInput {
  /** Hears each check as it finishes. */
  readonly onCheck?: (check: CheckResult) => void;
}

export interface VerifyReport {
  /** True when no check failed (warnings do not fail, as with the CLI's exit status). */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
  readonly counts: Readonly<Record<CheckStatus, number>>;
  /** The same JUnit XML `verify --junit` writes. */
  junit(): string;
}

/** The `verify` checks against a running proxy at `url`; rejects only for unusable options. */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const settings = verifyOptions(options, (key) => key);
  const startedAt = new Date();
  const checks = await runChecks(settings, options.onCheck ?? (() => {}));
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skipped: 0 };
  for (const check of checks) counts[check.status] += 1;
  return { ok: counts.fail === 0, checks, counts, junit: () => junitReport(checks, { url: settings.url.origin, startedAt }) };
}
