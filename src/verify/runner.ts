// How verify's checks run: in order, each seeing what the earlier ones learned, each turned into one
// numbered result as soon as it is known. A check that throws (a request that failed) is a failure
// saying so, never the end of the run.
import type { RoutingFacts } from '../config/routes-report.js';
import { type Answer, headerValue, send, type SendOptions } from './http.js';
import type { RouteTaken } from './route-header.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

export interface CheckResult {
  readonly id: number;
  readonly name: string;
  readonly status: CheckStatus;
  readonly reason: string;
  readonly fix: string | null;
  /** The earlier check whose failure made this one skip. */
  readonly needs: number | null;
  readonly durationMs: number;
}

export interface VerifyOptions extends RoutingFacts {
  readonly url: URL;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly loginPath: string;
  readonly sessionCookie: string;
  readonly requireSession: boolean;
  readonly timeoutMs: number;
  /** Certificates trusted over https (trust.ts); undefined: Node's own. */
  readonly ca?: readonly string[] | undefined;
}

export type UpstreamName = 'django' | 'reflex' | 'frontend';
export type Outcome = Omit<CheckResult, 'id' | 'name' | 'needs' | 'durationMs'> & { readonly needs?: number | null };

export interface Check {
  readonly name: string;
  readonly run: (run: CheckRun) => Promise<Outcome>;
}

export const pass = (reason: string): Outcome => ({ status: 'pass', reason, fix: null });
export const fail = (reason: string, fix: string): Outcome => ({ status: 'fail', reason, fix });
export const skip = (reason: string, needs: number | null = null): Outcome => ({ status: 'skipped', reason, fix: null, needs });

/** A page's text, short enough for one line of a report. */
export function snippet(body: string): string {
  const text = body
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export function describe(answer: Answer): string {
  return `${answer.status} ${headerValue(answer, 'content-type').split(';')[0] || 'without a content type'}`;
}

/** One run of the checklist: the options, requests against --url, and what the checks learn. */
export class CheckRun {
  readonly results: CheckResult[] = [];
  /** Check 1 got an answer from --url. */
  reachable = false;
  /** /__rdp/ answered: --url is the proxy, and its records can be read. */
  statusEndpoints = false;
  readonly down = new Set<UpstreamName>();
  frontendBody: string | undefined;
  loginPage: Answer | undefined;
  readonly cookies = new Map<string, string>();
  /** The session cookie's value, once the login gave a usable one. */
  session: string | undefined;
  /** Names the socket handshake in the proxy's records. */
  handshakeMarker: string | undefined;

  constructor(readonly options: VerifyOptions) {}

  get url(): URL {
    return this.options.url;
  }

  at(path: string): URL {
    return new URL(path, this.options.url);
  }

  send(path: string, init: Omit<SendOptions, 'timeoutMs' | 'ca'>): Promise<Answer> {
    return send(this.at(path), { ...init, timeoutMs: this.options.timeoutMs, ca: this.options.ca });
  }

  /** A page as a browser asks for it. */
  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(path, { headers: { Accept: 'text/html', ...headers } });
  }

  failed(id: number): boolean {
    return this.results.find((result) => result.id === id)?.status === 'fail';
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Skips for an unreachable proxy or a down upstream this check relies on. */
  blockedBy(upstreams: readonly UpstreamName[]): Outcome | undefined {
    if (!this.reachable) return skip('nothing answers at --url', 1);
    const down = upstreams.filter((name) => this.down.has(name));
    return down.length > 0 ? skip(`${down.join(' and ')} is down`, 1) : undefined;
  }

  /**
   * The route the proxy recorded for the request whose target holds `marker`, from /__rdp/requests:
   * what says who answered when no X-RDP-Route header did (--no-route-header).
   */
  async recordedRoute(marker: string): Promise<RouteTaken | undefined> {
    // The record is written as the response finishes, which can be a moment after the client read it.
    for (let attempt = 0; this.statusEndpoints && attempt < 3; attempt += 1) {
      const answer = await this.send('/__rdp/requests', { headers: { Accept: 'application/json' } });
      if (answer.status !== 200) return undefined;
      const { requests } = JSON.parse(answer.body) as { requests: Array<{ path: string } & RouteTaken> };
      const found = requests.find((request) => request.path.includes(marker));
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  /** Without /__rdp/ nothing proves --url is the proxy; a failed check 2 then says it is not. */
  notTheProxy(): Outcome | undefined {
    return !this.statusEndpoints && this.failed(2) ? skip('--url does not route like the proxy', 2) : undefined;
  }
}

export async function runChecklist(checks: readonly Check[], options: VerifyOptions, onResult: (result: CheckResult) => void): Promise<CheckResult[]> {
  const run = new CheckRun(options);
  for (const [index, check] of checks.entries()) {
    let outcome: Outcome;
    const started = performance.now();
    try {
      outcome = await check.run(run);
    } catch (error) {
      outcome = fail(`the request failed: ${(error as Error).message}`, 'check that the proxy is still running');
    }
    const durationMs = Math.round(performance.now() - started);
    const result: CheckResult = { id: index + 1, name: check.name, status: outcome.status, reason: outcome.reason, fix: outcome.fix, needs: outcome.needs ?? null, durationMs };
    run.results.push(result);
    onResult(result);
  }
  return run.results;
}
