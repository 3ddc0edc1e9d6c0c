// Each upstream: where it is, how plain requests reach it (an undici pool; a WebSocket handshake
// opens a connection of its own, upgrade.ts), its state (seen by the proxy, or reported by the
// supervisor), and a probe that wakes the requests held for it.
import { connect } from 'node:net';
import { Pool } from 'undici';
import type { Upstream as UpstreamName } from '../router.js';

export type UpstreamState = 'up' | 'down' | 'starting';

/** What an error page says about an upstream. */
export interface UpstreamFacts {
  readonly name: string;
  readonly url: string;
  readonly state: UpstreamState;
  readonly logTail: readonly string[];
}

/** What a supervisor tells us about a process it runs; absent in proxy-only mode. */
export interface ProcessReport {
  readonly state: UpstreamState;
  /** It crashed too often and the supervisor stopped restarting it. */
  readonly givenUp: boolean;
  readonly pid: number | undefined;
  readonly restarts: number;
  /** How its last run ended ("exit code 1", "SIGKILL") and when (epoch ms). */
  readonly lastExit: { readonly at: number; readonly how: string } | undefined;
  /** Its newest output lines, at most `lines` (default: what an error page shows). */
  logTail(lines?: number): readonly string[];
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_FIRST_INTERVAL_MS = 50;
const PROBE_MAX_INTERVAL_MS = 500;

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

  /** The supervisor's report on the process behind it; undefined in proxy-only mode. */
  get processReport(): ProcessReport | undefined {
    return this.process;
  }

  /** Its supervisor gave up on it (or stopped it): nothing will come back to wait for. */
  get isDownForGood(): boolean {
    return this.process?.state === 'down';
  }

  /** What an error page says about it. */
  get facts(): UpstreamFacts {
    return { name: this.name, url: this.current.origin, state: this.state, logTail: this.logTail };
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
    // undici keeps no handle on its idle sockets: a new pool, while the old one finishes what it has.
    void this.pool.close();
    this.pool = newPool(this.current);
  }

  close(): void {
    void this.pool.destroy();
    for (const waiter of [...this.waiters]) waiter.resolve(false);
  }
}
