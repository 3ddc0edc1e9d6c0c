// Supervision policy (docs/upstreams.md): which upstreams each planned child serves, when each one
// counts as ready, and where Reflex says its frontend really listens.
import type { Logger } from 'pino';
import type { Upstream } from '../proxy/upstream.js';
import type { Upstream as UpstreamName } from '../router.js';
import type { ChildSpec } from '../supervisor.js';
import type { PlannedChild } from './plan.js';
import { answersHttp, pingIsOk } from './readiness.js';

const APP_RUNNING_AT = /App running at:?\s*(https?:\/\/[^\s/]+)/;
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

/** The port in Reflex's "App running at: http://localhost:3001/" line, colours or not. */
export function appRunningAtPort(line: string): number | undefined {
  const found = APP_RUNNING_AT.exec(line.replace(ANSI_SGR, ''));
  return found === null ? undefined : Number(new URL(found[1]!).port);
}

/** Vite takes the next port when its own is busy; Reflex then prints where it really is. */
function followFrontend(frontend: Upstream, logger: Logger): (line: string) => void {
  return (line) => {
    const port = appRunningAtPort(line);
    if (port !== undefined && port !== frontend.port) {
      logger.warn({ from: frontend.port, to: port }, 'reflex frontend moved to another port');
      frontend.moveTo(port);
    }
  };
}

/**
 * Django is ready when its port answers HTTP (any status); `reflex run` when its backend answers
 * GET /ping (under `backendPath`, what the started Reflex is told, not a stale env.json) with 200
 * ("Backend running at:" comes too early) and its frontend, if it has one, answers HTTP.
 */
export function childSpecs(children: readonly PlannedChild[], upstreams: ReadonlyMap<UpstreamName, Upstream>, logger: Logger, backendPath?: string): ChildSpec[] {
  return children.map((child): ChildSpec => {
    if (child.name === 'django') {
      const django = upstreams.get('django')!;
      return { ...child, serves: [{ upstream: django, isReady: () => answersHttp(django.url) }] };
    }
    const backend = upstreams.get('reflex')!;
    const frontend = upstreams.get('frontend');
    if (frontend === undefined) return { ...child, serves: [{ upstream: backend, isReady: () => pingIsOk(backend.url, backendPath) }] };
    return {
      ...child,
      serves: [
        { upstream: backend, isReady: () => pingIsOk(backend.url, backendPath) },
        { upstream: frontend, isReady: () => answersHttp(frontend.url) },
      ],
      watchLine: followFrontend(frontend, logger),
    };
  });
}
