// `verify`: reflex-django's migration checklist against a running proxy (yours, in CI, in a compose
// stack). Exit 0 only if no check failed; warnings do not fail.
import { writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { resolveConfig } from '../../config/resolve.js';
import { routingFacts } from '../../config/routes-report.js';
import { EXIT_FAILURE, RdpError } from '../../errors.js';
import { runChecks } from '../../verify/checks.js';
import { junitReport } from '../../verify/junit.js';
import { type VerifySetting, verifyOptions } from '../../verify/options.js';
import type { CheckResult } from '../../verify/runner.js';
import type { Command } from '../context.js';

const MARKS: Readonly<Record<CheckResult['status'], string>> = { pass: '✔', warn: '!', fail: '✖', skipped: '–' };

const FLAG_NAMES: Readonly<Record<VerifySetting, string>> = {
  url: 'url',
  username: 'username',
  password: 'password',
  loginPath: 'login-url',
  sessionCookie: 'session-cookie',
  requireSession: 'require-session',
  timeoutMs: 'timeout',
};

function resultText(result: CheckResult): string {
  const status = result.status === 'skipped' ? `skipped${result.needs === null ? '' : ` (needs ${result.needs})`}` : result.status;
  const lines = [`${MARKS[result.status]} ${result.id}. ${result.name}: ${status} — ${result.reason}`];
  if (result.fix !== null) lines.push(`     fix: ${result.fix}`);
  return `${lines.join('\n')}\n`;
}

/** Made (empty) before the checks run, so a path that cannot be written fails at once, not after them. */
function junitFile(raw: string | undefined, cwd: string): string | undefined {
  if (raw === undefined) return undefined;
  const path = resolvePath(cwd, raw);
  try {
    writeFileSync(path, '');
  } catch (error) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', `--junit: ${path} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a file in an existing, writable folder`);
  }
  return path;
}

export const command: Command = {
  name: 'verify',
  usage: 'reflex-django-proxy verify [--url URL] [--username U --password P] [--login-url PATH] [--session-cookie NAME] [--require-session] [--json] [--junit FILE] [--timeout MS]',
  summary: 'Prove same-origin sessions work through a running proxy: routing, admin login, the session cookie on the Reflex socket.',
  flags: [
    { flag: 'url', type: 'string', valueName: 'URL', description: "the proxy's origin [--public-url, http://localhost:8000]" },
    { flag: 'username', type: 'string', valueName: 'U', description: 'a Django staff user (RDP_VERIFY_USERNAME)' },
    { flag: 'password', type: 'string', valueName: 'P', description: 'its password (RDP_VERIFY_PASSWORD)' },
    { flag: 'login-url', type: 'string', valueName: 'PATH', description: 'the admin login path [/admin/login/]' },
    { flag: 'session-cookie', type: 'string', valueName: 'NAME', description: 'SESSION_COOKIE_NAME [sessionid]' },
    { flag: 'require-session', type: 'boolean', description: 'fail, not skip, the session checks without credentials' },
    { flag: 'json', type: 'boolean', description: 'one JSON object per check (shape in docs/verify.md)' },
    { flag: 'junit', type: 'string', valueName: 'FILE', description: 'also write the checks as a JUnit XML report, for CI' },
    { flag: 'timeout', type: 'string', valueName: 'MS', description: 'per request [10000]' },
  ],
  async run({ config: flags, own, positionals }, context) {
    if (positionals.length > 0) throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unexpected argument "${positionals[0]}"; give the proxy's origin with --url`);
    const config = await resolveConfig({ flags, env: context.env, cwd: context.cwd, stdoutIsTTY: false });
    const text = (name: string): string | undefined => (typeof own[name] === 'string' ? (own[name] as string) : undefined);
    const options = verifyOptions(
      {
        url: text('url') ?? config.publicUrl ?? 'http://localhost:8000',
        username: text('username') ?? (context.env.RDP_VERIFY_USERNAME || undefined),
        password: text('password') ?? (context.env.RDP_VERIFY_PASSWORD || undefined),
        loginPath: text('login-url'),
        sessionCookie: text('session-cookie'),
        requireSession: own['require-session'] === true,
        timeoutMs: text('timeout'),
        env: context.env,
        ...routingFacts(config),
      },
      (key) => `--${FLAG_NAMES[key]}`,
    );
    const json = own.json === true;
    const junit = junitFile(text('junit'), context.cwd);
    const startedAt = new Date();
    if (!json) context.stdout.write(`verify ${options.url.origin}\n`);
    const results = await runChecks(options, (result) => context.stdout.write(json ? `${JSON.stringify(result)}\n` : resultText(result)));
    if (junit !== undefined) writeFileSync(junit, junitReport(results, { url: options.url.origin, startedAt }));
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
