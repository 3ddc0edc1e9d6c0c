// V8 collects garbage only when JavaScript allocates. A burst of WebSockets opening or closing
// leaves its garbage, and a young generation grown to hold it, in the RSS of a proxy that then goes
// quiet: measured, 65 MiB before 5,000 sockets, 120 MiB with them open and still there minutes
// later, where collecting brings it to 93 MiB (and to 75 MiB once they closed). So after enough
// relays came or went, once none has for a while, the proxy collects: a few milliseconds per
// collection on a dev proxy's heap, and only after such a burst.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Relays opened or closed before collecting is worth its pause. */
const CHURN_THRESHOLD = 64;
/** How long no relay may open or close before the first collection. */
const IDLE_MS = 10_000;
/**
 * V8 gives its grown young generation back only in a collection that finds the allocation rate of
 * the last 5 s low but not zero: the first collection is still too close to the burst, so a second
 * one follows after this long, with a small allocation (the memory reading) in between.
 */
const SHRINK_AFTER_MS = 6_000;

/** Bytes of the V8 heap around one collection. */
export interface Collected {
  readonly usedBefore: number;
  readonly usedAfter: number;
  /** The heap's size afterwards: the second collection is the one that shrinks it. */
  readonly sizeAfter: number;
}

/** V8's full collection: `gc` when node runs with --expose-gc, else taken from a fresh context. */
function fullCollection(): () => void {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  // The flag only exposes gc() to contexts created while it is set; it is cleared again at once.
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export interface IdleCollectorOptions {
  readonly idleMs?: number;
  readonly shrinkAfterMs?: number;
  readonly threshold?: number;
  /** Told the heap's size around each collection (a debug log line). */
  readonly onCollected?: (collected: Collected) => void;
  /** For tests: what "collect" means. */
  readonly collect?: () => void;
}

export class IdleCollector {
  private churn = 0;
  private timer: NodeJS.Timeout | undefined;
  /** `timer` is the wait for quiet, restarted by every relay that comes or goes. */
  private waitingForIdle = false;
  private collect: (() => void) | undefined;
  private readonly idleMs: number;
  private readonly shrinkAfterMs: number;
  private readonly threshold: number;
  private readonly onCollected: ((collected: Collected) => void) | undefined;

  constructor(options: IdleCollectorOptions = {}) {
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.shrinkAfterMs = options.shrinkAfterMs ?? SHRINK_AFTER_MS;
    this.threshold = options.threshold ?? CHURN_THRESHOLD;
    this.onCollected = options.onCollected;
    this.collect = options.collect;
  }

  /** A relay opened or closed. */
  note(): void {
    this.churn += 1;
    if (this.churn < this.threshold) return;
    if (this.waitingForIdle) {
      this.timer!.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(this.first, this.idleMs);
    // Never the reason the process stays alive.
    this.timer.unref();
    this.waitingForIdle = true;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waitingForIdle = false;
  }

  private readonly first = (): void => {
    this.waitingForIdle = false;
    this.churn = 0;
    this.run();
    this.timer = setTimeout(this.second, this.shrinkAfterMs);
    this.timer.unref();
  };

  private readonly second = (): void => {
    this.timer = undefined;
    this.run();
  };

  private run(): void {
    this.collect ??= fullCollection();
    const usedBefore = process.memoryUsage().heapUsed;
    this.collect();
    const after = process.memoryUsage();
    this.onCollected?.({ usedBefore, usedAfter: after.heapUsed, sizeAfter: after.heapTotal });
  }
}
