// `verify`: reflex-django's migration checklist against a running proxy (yours, in CI, in a compose
// stack). Exit 0 only if no check failed; warnings do not fail.
import { resolveConfig } from '../../config/resolve.js';
import { EXIT_FAILURE, RdpError } from '../../errors.js';
import { runChecks } from '../../verify/checks.js';
import type { CheckResult } from '../../verify/runner.js';
import { trustedCertificates } from '../../verify/trust.js';
import type { Command } from '../context.js';

const MARKS: Readonly<Record<CheckResult['status'], string>> = { pass: '✔', warn: '!', fail: '✖', skipped: '–' };

function resultText(result: CheckResult): string {
  const status = result.status === 'skipped' ? `skipped${result.needs === null ? '' : ` (needs ${result.needs})`}` : result.status;
  const lines = [`${MARKS[result.status]} ${result.id}. ${result.name}: ${status} — ${result.reason}`];
  if (result.fix !== null) lines.push(`     fix: ${result.fix}`);
  return `${lines.join('\n')}\n`;
}

function positiveMs(raw: string | undefined): number {
  if (raw === undefined) return 10_000;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || ms <= 0) throw new RdpError('RDP_ERR_INVALID_OPTION', `--timeout: ${JSON.stringify(raw)} is not valid; expected a positive number of milliseconds, such as 10000`);
  return ms;
}

function originOf(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RdpError('RDP_ERR_INVALID_OPTION', `--url: ${JSON.stringify(raw)} is not valid; expected the proxy's origin, such as http://localhost:8000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RdpError('RDP_ERR_INVALID_OPTION', `--url: ${JSON.stringify(raw)} is not valid; expected an http:// or https:// origin`);
  return new URL(url.origin);
}

export const command: Command = {
  name: 'verify',
  usage: 'reflex-django-proxy verify [--url URL] [--username U --password P] [--login-url PATH] [--session-cookie NAME] [--require-session] [--json] [--timeout MS]',
  summary: 'Prove same-origin sessions work through a running proxy: routing, admin login, the session cookie on the Reflex socket.',
  flags: [
    { flag: 'url', type: 'string', valueName: 'URL', description: "the proxy's origin [--public-url, http://localhost:8000]" },
    { flag: 'username', type: 'string', valueName: 'U', description: 'a Django staff user (RDP_VERIFY_USERNAME)' },
    { flag: 'password', type: 'string', valueName: 'P', description: 'its password (RDP_VERIFY_PASSWORD)' },
    { flag: 'login-url', type: 'string', valueName: 'PATH', description: 'the admin login path [/admin/login/]' },
    { flag: 'session-cookie', type: 'string', valueName: 'NAME', description: 'SESSION_COOKIE_NAME [sessionid]' },
    { flag: 'require-session', type: 'boolean', description: 'fail, not skip, the session checks without credentials' },
    { flag: 'json', type: 'boolean', description: 'one JSON object per check (shape in docs/verify.md)' },
    { flag: 'timeout', type: 'string', valueName: 'MS', description: 'per request [10000]' },
  ],
  async run({ config: flags, own, positionals }, context) {
    if (positionals.length > 0) throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unexpected argument "${positionals[0]}"; give the proxy's origin with --url`);
    const config = await resolveConfig({ flags, env: context.env, cwd: context.cwd, stdoutIsTTY: false });
    const text = (name: string): string | undefined => (typeof own[name] === 'string' ? (own[name] as string) : undefined);
    const url = originOf(text('url') ?? config.publicUrl ?? 'http://localhost:8000');
    const loginPath = text('login-url') ?? '/admin/login/';
    if (!loginPath.startsWith('/')) throw new RdpError('RDP_ERR_INVALID_OPTION', `--login-url: ${JSON.stringify(loginPath)} is not valid; expected a path such as /admin/login/`);
    const username = text('username') ?? (context.env.RDP_VERIFY_USERNAME || undefined);
    const password = text('password') ?? (context.env.RDP_VERIFY_PASSWORD || undefined);
    if ((username === undefined) !== (password === undefined)) {
      throw new RdpError('RDP_ERR_MISSING_OPTION', `${username === undefined ? '--username' : '--password'} is missing: give both --username and --password, or neither`);
    }
    const json = own.json === true;
    if (!json) context.stdout.write(`verify ${url.origin}\n`);
    const results = await runChecks(
      {
        url,
        username,
        password,
        loginPath,
        sessionCookie: text('session-cookie') ?? 'sessionid',
        requireSession: own['require-session'] === true,
        timeoutMs: positiveMs(text('timeout')),
        ca: url.protocol === 'https:' ? trustedCertificates(context.env) : undefined,
      },
      (result) => context.stdout.write(json ? `${JSON.stringify(result)}\n` : resultText(result)),
    );
    const count = (status: CheckResult['status']): number => results.filter((result) => result.status === status).length;
    if (!json) {
      const sessionSkipped = results.some((result) => result.id === 5 && result.status === 'skipped');
      context.stdout.write(
        `\n${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed, ${count('skipped')} skipped${sessionSkipped ? ' (the session checks need --username and --password)' : ''}\n`,
      );
    }
    return count('fail') > 0 ? EXIT_FAILURE : 0;
  },
};
