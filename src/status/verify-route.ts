// POST /__rdp/verify: the dashboard's Verify button. It acts (it logs in to Django), so besides the
// Host rule it needs this page's Origin and token. The credentials in the body go to the checks and
// nowhere else: not into a log line, not into any record the dashboard shows.
import type { RoutingFacts } from '../config/routes-report.js';
import { actionRefusal, hostOf, TOKEN_HEADER } from './host-guard.js';
import type { FastifyInstance } from 'fastify';
import { replyWith } from './reply-answer.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

/** The routing facts are the table in force: the proxy knows them, the page does not say them. */
export interface VerifyRequest extends RoutingFacts {
  /** The proxy's origin as the page sees it: the checks run against it. */
  readonly url: URL;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly loginPath: string;
  readonly sessionCookie: string;
}

/** verify's runner, handed in from above (status/ sits below verify/ in the layers). */
export type VerifyRunner = (request: VerifyRequest, onCheck: (check: { readonly status: CheckStatus }) => void) => Promise<unknown>;

const BODY_LIMIT = 8 * 1024;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The run's settings from the JSON body, or why they cannot be used. */
function parseBody(body: unknown, url: URL, routing: RoutingFacts): VerifyRequest | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'send a JSON object: {"username", "password", "sessionCookie", "loginPath"}';
  const fields = body as Record<string, unknown>;
  const username = text(fields, 'username');
  const password = text(fields, 'password');
  if ((username === undefined) !== (password === undefined)) return 'give both username and password, or neither';
  const sessionCookie = text(fields, 'sessionCookie') ?? 'sessionid';
  if (!COOKIE_NAME.test(sessionCookie)) return `sessionCookie: ${JSON.stringify(sessionCookie)} is not a cookie name`;
  const loginPath = text(fields, 'loginPath') ?? '/admin/login/';
  if (!loginPath.startsWith('/')) return `loginPath: ${JSON.stringify(loginPath)} is not a path such as /admin/login/`;
  return { url, username, password, loginPath, sessionCookie, ...routing };
}

export function registerVerify(app: FastifyInstance, token: string, runner: VerifyRunner | undefined, routing: () => RoutingFacts): void {
  app.post(
    '/verify',
    {
      bodyLimit: BODY_LIMIT,
      // Before the body is read: a refused request's credentials are never even parsed.
      onRequest: (request, reply, done) => {
        const given = request.headers[TOKEN_HEADER];
        const refusal = actionRefusal(request.headers.origin, hostOf(request.headers), Array.isArray(given) ? given[0] : given, token);
        if (refusal === undefined) done();
        else void replyWith(request, reply, 'RDP_ERR_STATUS_ACTION', refusal);
      },
    },
    async (request, reply) => {
      if (runner === undefined) return replyWith(request, reply, 'RDP_ERR_NOT_FOUND', 'this proxy was built without the verify runner (createProxy without options.verify)');
      const settings = parseBody(request.body, new URL(request.headers.origin!), routing());
      if (typeof settings === 'string') return replyWith(request, reply, 'RDP_ERR_BAD_REQUEST', settings);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      const summary = { passed: 0, warned: 0, failed: 0, skipped: 0 };
      const counter = { pass: 'passed', warn: 'warned', fail: 'failed', skipped: 'skipped' } as const;
      try {
        await runner(settings, (check) => {
          summary[counter[check.status]] += 1;
          out.write(`${JSON.stringify(check)}\n`);
        });
        out.end(`${JSON.stringify({ summary })}\n`);
      } catch (error) {
        request.log.error({ err: error }, 'verify run failed');
        out.end(`${JSON.stringify({ error: (error as Error).message })}\n`);
      }
      return reply;
    },
  );
}
