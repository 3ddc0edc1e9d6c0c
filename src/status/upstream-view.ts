// The dashboard's Upstreams panel: each upstream's URL and state, and for the ones the supervisor
// runs, its PID, restarts, last exit and newest log lines.
import type { Upstream } from '../proxy/upstream.js';

export const LOG_LINES_SHOWN = 50;

export type UpstreamCondition = 'up' | 'starting' | 'down' | 'given up';

export interface UpstreamView {
  readonly name: string;
  readonly url: string;
  readonly state: UpstreamCondition;
  readonly supervised: boolean;
  readonly pid: number | null;
  readonly restarts: number | null;
  readonly lastExit: { readonly at: number; readonly how: string } | null;
  readonly logTail: readonly string[];
}

export function upstreamViews(upstreams: Iterable<Upstream>, frontendDir: string | undefined): UpstreamView[] {
  const views = [...upstreams].map((upstream): UpstreamView => {
    const report = upstream.processReport;
    return {
      name: upstream.name,
      url: upstream.url.origin,
      state: report?.givenUp === true ? 'given up' : upstream.state,
      supervised: report !== undefined,
      pid: report?.pid ?? null,
      restarts: report?.restarts ?? null,
      lastExit: report?.lastExit ?? null,
      logTail: report?.logTail(LOG_LINES_SHOWN) ?? [],
    };
  });
  if (frontendDir !== undefined) {
    views.push({ name: 'frontend', url: `file://${frontendDir}`, state: 'up', supervised: false, pid: null, restarts: null, lastExit: null, logTail: [] });
  }
  return views;
}
