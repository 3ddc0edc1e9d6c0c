// The rules of docs/routing.md §4 for one request: hold it while its upstream refuses connections (dev
// servers restart all the time), retry once an idempotent request whose connection closed before
// any response byte, and otherwise fail with a typed error the forwarders turn into 503 or 502.
import { setTimeout as delay } from 'node:timers/promises';
import { RdpError } from '../errors.js';
import type { Upstream } from './upstream.js';

/** Nothing reached the upstream: waiting and sending again is safe for any method. */
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The connection died before a response byte (a keep-alive socket of a process that is gone). */
const CLOSED_EARLY_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
/** How long a process that reset a fresh connection gets to finish going away before we look again. */
const GOING_AWAY_PAUSE_MS = 100;

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

interface DispatchPolicy {
  readonly idempotent: boolean;
  readonly holdTimeoutMs: number;
  /** Aborted when the client goes away: stop holding for it. */
  readonly clientGone: ClientGone;
}

/**
 * Runs `attempt` until the upstream responds: holds while connections are refused, retries once an
 * idempotent request whose connection closed early (and holds it if it closes early again because
 * the process was going away), and throws RDP_ERR_UPSTREAM_UNAVAILABLE (503) or
 * RDP_ERR_UPSTREAM_FAILED (502) otherwise — always an RdpError. `attempt` resolves once a response has begun,
 * and may reject with an RdpError of its own, passed on as it is.
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
      // The attempt's own verdict (a response timeout): nothing to hold for or retry.
      if (error instanceof RdpError) throw error;
      if (!(error instanceof AttemptError)) throw new RdpError('RDP_ERR_UPSTREAM_FAILED', `${upstream.name}: ${String(error)}`, { cause: error });
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
