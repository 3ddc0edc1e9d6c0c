// What the open dashboards hear over /__rdp/events: a snapshot when one connects, then every
// FLUSH_MS the requests that finished since, the sockets when one opened, closed or moved bytes, and
// the upstreams when anything about them changed. Nothing runs while no dashboard is open: the
// recording itself is the only cost the proxy always pays.
import type { ServerResponse } from 'node:http';
import { EventStream } from './event-stream.js';
import { REQUESTS_KEPT, type RequestLog } from './request-log.js';
import type { SocketLog } from './socket-log.js';
import type { UpstreamView } from './upstream-view.js';

export const FLUSH_MS = 250;
/**
 * At most this many new requests per flush (400/s): a person reads none of them faster, and under
 * load the dashboard must not cost the proxy more than that. The rest are counted, not sent.
 */
export const REQUESTS_PER_FLUSH = 100;
/** How often the upstreams are probed while a dashboard is open: "down" shows within a second. */
export const PROBE_MS = 500;

export interface FeedSources {
  readonly requests: RequestLog;
  readonly sockets: SocketLog;
  readonly upstreams: () => UpstreamView[];
  /** A fresh reachability check of every upstream. */
  readonly probe: () => Promise<unknown>;
  /** What the page needs once: the routing table, the proxy's origin, ring sizes. */
  readonly hello: () => unknown;
}

export class DashboardFeed {
  private readonly stream = new EventStream((count) => (count > 0 ? this.start() : this.stop()));
  private timer: NodeJS.Timeout | undefined;
  private sentRequestId = -1;
  private socketsSeen = '';
  private upstreamsSeen = '';
  private lastProbe = 0;
  private probing = false;

  constructor(private readonly sources: FeedSources) {}

  /** Listeners now; the benchmark and tests read it. */
  get listeners(): number {
    return this.stream.size;
  }

  attach(res: ServerResponse): void {
    const { requests, sockets, upstreams, hello } = this.sources;
    const views = upstreams();
    this.upstreamsSeen = JSON.stringify(views);
    // Entries the page already has here may come again in the next flush: it keeps the newest id.
    this.stream.attach(res, [
      ['hello', hello()],
      ['upstreams', views],
      ['requests', { reset: true, kept: REQUESTS_KEPT, entries: requests.summaries() }],
      ['sockets', sockets.list()],
    ]);
  }

  close(): void {
    this.stream.close();
    this.stop();
  }

  private start(): void {
    if (this.timer !== undefined) return;
    this.sentRequestId = this.sources.requests.lastId;
    this.socketsSeen = this.sources.sockets.fingerprint();
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  private stop(): void {
    if (this.stream.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    const { requests, sockets } = this.sources;
    const arrived = requests.lastId - this.sentRequestId;
    if (arrived > 0) {
      const entries = requests.summaries(this.sentRequestId, REQUESTS_PER_FLUSH);
      this.stream.send('requests', { reset: false, entries, skipped: arrived - entries.length });
      this.sentRequestId = requests.lastId;
    }
    const fingerprint = sockets.fingerprint();
    if (fingerprint !== this.socketsSeen) {
      this.socketsSeen = fingerprint;
      this.stream.send('sockets', sockets.list());
    }
    this.sendUpstreamsIfChanged();
    if (!this.probing && Date.now() - this.lastProbe >= PROBE_MS) {
      this.probing = true;
      this.lastProbe = Date.now();
      void this.sources.probe().finally(() => {
        this.probing = false;
        this.sendUpstreamsIfChanged();
      });
    }
  }

  private sendUpstreamsIfChanged(): void {
    if (this.stream.size === 0) return;
    const views = this.sources.upstreams();
    const text = JSON.stringify(views);
    if (text === this.upstreamsSeen) return;
    this.upstreamsSeen = text;
    this.stream.send('upstreams', views);
  }
}
