// Upstream state and the rules of routing.md §4: hold a request whose connection was refused until
// the upstream answers again (dev servers restart all the time), retry once an idempotent request
// whose connection closed before any response byte, and otherwise fail with a typed error.
import { Agent, type ClientRequest, request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import { RdpError } from './errors.js';
import type { Upstream as UpstreamName } from './router.js';

export type UpstreamState = 'up' | 'down' | 'starting';

/** What a supervisor tells us about a process it runs; absent in proxy-only mode. */
export interface ProcessReport {
  readonly state: UpstreamState;
  readonly logTail: () => readonly string[];
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_FIRST_INTERVAL_MS = 50;
const PROBE_MAX_INTERVAL_MS = 500;

/** Nothing reached the upstream: waiting and sending again is safe for any method. */
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The connection died before a response byte (a keep-alive socket of a process that is gone). */
const CLOSED_EARLY_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
/** How long a process that reset a fresh connection gets to finish going away before we look again. */
const GOING_AWAY_PAUSE_MS = 100;

function newPool(url: URL): Pool {
  // No deadlines of its own: a slow Django view or an idle event stream is the upstream's business,
  // and a client that leaves aborts its request.
  return new Pool(url.origin, { headersTimeout: 0, bodyTimeout: 0 });
}

function originsOf(url: URL): string[] {
  const hosts = LOOPBACK_NAMES.includes(url.hostname) ? LOOPBACK_NAMES : [url.hostname];
  return hosts.map((host) => `${url.protocol}//${host}${url.port === '' ? '' : `:${url.port}`}`);
}

interface Waiter {
  readonly resolve: (reachable: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

export class Upstream {
  readonly name: UpstreamName;
  readonly hostname: string;
  /** Plain requests go through undici: its pool forwards far more per core than node:http's. */
  pool: Pool;
  /** WebSocket handshakes go through node:http, whose 'upgrade' hands over the raw socket. */
  readonly agent: Agent;
  private current: URL;
  private originList: readonly string[];
  private observed: UpstreamState = 'starting';
  private process: ProcessReport | undefined;
  private readonly waiters = new Set<Waiter>();
  private probing = false;

  constructor(name: UpstreamName, url: URL) {
    this.name = name;
    this.current = url;
    this.hostname = url.hostname.replace(/^\[|\]$/g, '');
    // LIFO keeps the warmest sockets busy and lets the idle ones time out.
    this.agent = new Agent({ keepAlive: true, scheduling: 'lifo', noDelay: true });
    this.pool = newPool(url);
    this.originList = originsOf(url);
  }

  get url(): URL {
    return this.current;
  }

  get port(): number {
    return Number(this.current.port || 80);
  }

  /** Origins an absolute Location may name this upstream by; rewritten to the client's. */
  get origins(): readonly string[] {
    return this.originList;
  }

  /** The dev server took another port than planned (Vite does when its own is busy). */
  moveTo(port: number): void {
    const url = new URL(this.current);
    url.port = String(port);
    this.current = url;
    this.originList = originsOf(url);
    this.agent.destroy();
    void this.pool.close();
    this.pool = newPool(url);
  }

  get state(): UpstreamState {
    if (this.process !== undefined && this.process.state !== 'up') return this.process.state;
    return this.observed;
  }

  get logTail(): readonly string[] {
    return this.process?.logTail() ?? [];
  }

  /** Its supervisor gave up on it (or stopped it): nothing will come back to wait for. */
  get isDownForGood(): boolean {
    return this.process?.state === 'down';
  }

  reportProcess(report: ProcessReport): void {
    this.process = report;
  }

  markUp(): void {
    this.observed = 'up';
  }

  markDown(): void {
    this.observed = 'down';
  }

  /** A fresh TCP check, for /__rdp/health and for waking held requests. */
  probe(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.hostname, port: this.port });
      const finish = (reachable: boolean): void => {
        socket.destroy();
        if (reachable) this.markUp();
        else this.markDown();
        resolve(reachable);
      };
      socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
    });
  }

  /** Resolves true as soon as the upstream accepts connections, false at the deadline or on abort. */
  waitUntilReachable(deadline: number, signal: AbortSignal): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (reachable: boolean): void => {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
        resolve(reachable);
      };
      const onAbort = (): void => settle(false);
      const waiter: Waiter = { resolve: settle, timer: setTimeout(() => settle(false), remaining) };
      this.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.probeWhileWaited();
    });
  }

  /** One probe loop per upstream however many requests are held. */
  private async probeWhileWaited(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let interval = PROBE_FIRST_INTERVAL_MS;
    while (this.waiters.size > 0) {
      if (await this.probe()) {
        for (const waiter of [...this.waiters]) waiter.resolve(true);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
      interval = Math.min(interval * 2, PROBE_MAX_INTERVAL_MS);
    }
    this.probing = false;
  }

  /** Closes the keep-alive sockets not in use; requests in flight keep theirs. */
  dropIdleSockets(): void {
    for (const sockets of Object.values(this.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    // undici keeps no handle on its idle sockets: a new pool, while the old one finishes what it has.
    void this.pool.close();
    this.pool = newPool(this.current);
  }

  close(): void {
    this.agent.destroy();
    void this.pool.destroy();
    for (const waiter of [...this.waiters]) waiter.resolve(false);
  }
}

/** An attempt's failure before any response byte, and whether request body bytes had left. */
export class AttemptError extends Error {
  readonly code: string | undefined;
  readonly bodySent: boolean;
  constructor(cause: NodeJS.ErrnoException, bodySent: boolean) {
    super(cause.message, { cause });
    this.code = cause.code;
    this.bodySent = bodySent;
  }
}

export interface OpenedRequest {
  readonly request: ClientRequest;
  /** The attempt is over (answered, or failed): the client leaving no longer destroys it. */
  settle(): void;
  /** Rejects the attempt with `error`, saying whether request body bytes had left. */
  fail(error: NodeJS.ErrnoException, bodySent: boolean): AttemptError;
}

/**
 * One attempt's request to `upstream`, destroyed if the client leaves before it is settled. Errors
 * after settling belong to the response stream, handled by its owner: never an unhandled 'error'.
 */
export function openRequest(upstream: Upstream, method: string, target: string, headers: string[], clientGone: AbortSignal): OpenedRequest {
  const opened = request({ host: upstream.hostname, port: upstream.port, method, path: target, headers, agent: upstream.agent });
  const destroy = (): void => {
    opened.destroy();
  };
  clientGone.addEventListener('abort', destroy, { once: true });
  const settle = (): void => {
    clientGone.removeEventListener('abort', destroy);
    opened.removeAllListeners('error');
    opened.on('error', () => {});
  };
  return {
    request: opened,
    settle,
    fail(error, bodySent) {
      settle();
      return new AttemptError(error, bodySent);
    },
  };
}

/**
 * The client left. Its AbortSignal is made only when something waits on it: requests are held
 * rarely, and an AbortController per request is a measurable cost on the hot path.
 */
export class ClientGone {
  private controller: AbortController | undefined;
  private gone = false;

  get aborted(): boolean {
    return this.gone;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.gone) this.controller.abort();
    return this.controller.signal;
  }

  abort(): void {
    this.gone = true;
    this.controller?.abort();
  }
}

export interface DispatchPolicy {
  readonly idempotent: boolean;
  readonly holdTimeoutMs: number;
  /** Aborted when the client goes away: stop holding for it. */
  readonly clientGone: ClientGone;
}

/**
 * Runs `attempt` until the upstream responds: holds while connections are refused, retries once an
 * idempotent request whose connection closed early (and holds it if it closes early again because
 * the process was going away), and throws RDP_ERR_UPSTREAM_UNAVAILABLE (503) or
 * RDP_ERR_UPSTREAM_FAILED (502) otherwise. `attempt` resolves once a response has begun.
 */
export async function dispatch(upstream: Upstream, policy: DispatchPolicy, attempt: () => Promise<void>): Promise<void> {
  let retried = false;
  let heldAfterGoingAway = false;
  let deadline: number | undefined;
  for (;;) {
    try {
      await attempt();
      upstream.markUp();
      return;
    } catch (error) {
      if (!(error instanceof AttemptError)) throw error;
      if (policy.clientGone.aborted) throw new RdpError('RDP_ERR_CLIENT_CLOSED', 'client closed while the request was held', { cause: error });
      const code = error.code ?? '';
      const closedEarly = CLOSED_EARLY_CODES.has(code) && policy.idempotent && !error.bodySent;
      if (closedEarly && !retried) {
        retried = true;
        // The other idle sockets died with the same process, but their close may not have been read
        // yet (same tick): the one retry must go out on a fresh connection, not on one of them.
        upstream.dropIdleSockets();
        continue;
      }
      // Closed early again: a process going away (a reloading Django worker) still accepts
      // connections for a few milliseconds, then refuses. Only then is it worth holding for it; an
      // upstream that keeps accepting and dropping this request gets its 502.
      const wentAway = closedEarly && !heldAfterGoingAway && (await refusesAfterPause(upstream, policy.clientGone.signal));
      if (wentAway) heldAfterGoingAway = true;
      if ((REFUSED_CODES.has(code) && !error.bodySent) || wentAway) {
        upstream.markDown();
        if (upstream.isDownForGood) {
          throw new RdpError('RDP_ERR_UPSTREAM_UNAVAILABLE', `${upstream.name} at ${upstream.url.origin} is down and will not be restarted: see its last log lines`, { cause: error });
        }
        deadline ??= Date.now() + policy.holdTimeoutMs;
        if (await upstream.waitUntilReachable(deadline, policy.clientGone.signal)) continue;
        if (policy.clientGone.aborted) throw new RdpError('RDP_ERR_CLIENT_CLOSED', 'client closed while the request was held', { cause: error });
        throw new RdpError(
          'RDP_ERR_UPSTREAM_UNAVAILABLE',
          `${upstream.name} at ${upstream.url.origin} is ${upstream.state}: ${code} for ${policy.holdTimeoutMs} ms (--hold-timeout)`,
          { cause: error },
        );
      }
      throw new RdpError('RDP_ERR_UPSTREAM_FAILED', `${upstream.name} at ${upstream.url.origin} failed: ${code || error.message}`, { cause: error });
    }
  }
}

/** After GOING_AWAY_PAUSE_MS, true when the upstream refuses connections (false if aborted meanwhile). */
async function refusesAfterPause(upstream: Upstream, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(GOING_AWAY_PAUSE_MS, undefined, { signal });
  } catch {
    return false;
  }
  return !(await upstream.probe());
}
