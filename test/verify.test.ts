// `verify` against the proxy in front of real Django, the python-socketio Reflex stand-in and Vite:
// all green on a good setup, and each broken setup fails the right check, for the right reason,
// skips what depends on it and fails nothing independent.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ADMIN_PASSWORD, ADMIN_USERNAME, freePort, request, startDjango, startProxy, startReflexStandin, startVite, tempDir } from './helpers/index.js';
import { readJUnit } from './helpers/junit.js';
import { CLI } from './helpers/proxy.js';

interface Check {
  id: number;
  name: string;
  status: 'pass' | 'warn' | 'fail' | 'skipped';
  reason: string;
  fix: string | null;
  needs: number | null;
}

const run = promisify(execFile);

async function verify(url: string, extra: string[] = []): Promise<{ code: number; checks: Check[]; stdout: string }> {
  const args = [CLI, 'verify', '--url', url, '--json', '--timeout', '5000', ...extra];
  try {
    const { stdout } = await run(process.execPath, args, { env: { PATH: process.env.PATH } });
    return { code: 0, stdout, checks: stdout.trim().split('\n').map((line) => JSON.parse(line) as Check) };
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string };
    return { code, stdout, checks: stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Check) };
  }
}

const withLogin = ['--username', ADMIN_USERNAME, '--password', ADMIN_PASSWORD];

function statuses(checks: Check[]): string {
  return checks.map((check) => `${check.id}:${check.status}${check.needs === null ? '' : `(needs ${check.needs})`}`).join(' ');
}

t.test('verify', async (t) => {
  const django = await startDjango(t);
  const reflex = await startReflexStandin(t, { dbPath: django.dbPath });
  const vite = await startVite(t);
  const proxyFor = (overrides: { django?: string; reflex?: string } = {}, extra: string[] = []) =>
    startProxy(t, ['--django-url', overrides.django ?? django.url, '--reflex-backend-url', overrides.reflex ?? reflex.url, '--reflex-frontend-url', vite.url, ...extra]);
  const reports = await tempDir(t, 'rdp-verify-junit-');

  t.test('a good setup passes every check', async (t) => {
    const proxy = await proxyFor();
    const result = await verify(proxy.url, withLogin);
    t.equal(result.code, 0, result.stdout);
    t.equal(statuses(result.checks), '1:pass 2:pass 3:pass 4:pass 5:pass 6:pass 7:pass 8:pass 9:pass');
    t.match(result.checks[6]?.reason, /carried sessionid to the Reflex backend/);
    const upgrades = (await request(`${proxy.url}/__rdp/upgrades`)).json<{ upgrades: Array<{ status: number; cookieNames: string[]; target: string }> }>();
    t.match(upgrades.upgrades[0], { status: 101, cookieNames: ['csrftoken', 'sessionid'], target: /^\/_event\/\?EIO=4&transport=websocket&rdp_verify=/ });
    t.notMatch(JSON.stringify(upgrades), /sessionid=|csrftoken=/, 'names only, never values');
  });

  t.test('without credentials the session checks are skipped, and --require-session fails them', async (t) => {
    const proxy = await proxyFor();
    const plain = await verify(proxy.url);
    t.equal(plain.code, 0);
    t.equal(statuses(plain.checks), '1:pass 2:pass 3:pass 4:pass 5:skipped 6:pass 7:skipped(needs 5) 8:pass 9:pass');
    t.match(plain.checks[4]?.reason, /RDP_VERIFY_USERNAME/);
    const text = await run(process.execPath, [CLI, 'verify', '--url', proxy.url]).then((answer) => answer.stdout);
    t.match(text, /7 passed, 0 warned, 0 failed, 2 skipped \(the session checks need --username and --password\)/);
    const required = await verify(proxy.url, ['--require-session']);
    t.equal(required.code, 1);
    t.match(statuses(required.checks), /5:fail 6:pass 7:fail/);
    const fromEnv = await run(process.execPath, [CLI, 'verify', '--url', proxy.url, '--json'], { env: { PATH: process.env.PATH, RDP_VERIFY_USERNAME: ADMIN_USERNAME, RDP_VERIFY_PASSWORD: ADMIN_PASSWORD } });
    t.match(fromEnv.stdout, /"id":7,"name":"the session cookie reached the Reflex backend","status":"pass"/, 'credentials from the environment');
  });

  t.test('SESSION_COOKIE_DOMAIN set to another domain, with a JUnit report', async (t) => {
    const broken = await startDjango(t, { settings: { SESSION_COOKIE_DOMAIN: 'other.example' } });
    const proxy = await proxyFor({ django: broken.url });
    const junit = join(reports, 'domain.xml');
    const result = await verify(proxy.url, [...withLogin, '--junit', junit]);
    t.equal(result.code, 1);
    t.equal(statuses(result.checks), '1:pass 2:pass 3:pass 4:pass 5:fail 6:pass 7:skipped(needs 5) 8:pass 9:pass');
    t.match(result.checks[4], { reason: /Domain=other\.example, which does not cover 127\.0\.0\.1/, fix: /SESSION_COOKIE_DOMAIN = None/ });
    const [suite, ...more] = readJUnit(junit);
    t.equal(more.length, 0, 'one testsuite');
    t.match(suite!.attributes, { name: 'reflex-django-proxy verify', tests: '9', failures: '1', skipped: '1', errors: '0' });
    t.match(suite!.properties, { url: proxy.url, warnings: '0' });
    t.same(suite!.cases.map((testcase) => testcase.outcome), ['pass', 'pass', 'pass', 'pass', 'failure', 'pass', 'skipped', 'pass', 'pass'], 'one testcase per check');
    t.match(suite!.cases[4], { name: '5. admin login gives a usable session cookie', classname: 'reflex-django-proxy.verify', message: /Domain=other\.example/, text: /fix: set SESSION_COOKIE_DOMAIN = None/ });
    t.match(suite!.cases[6], { outcome: 'skipped', message: /no usable session cookie \(needs check 5\)/ });
    t.ok(suite!.cases.every((testcase) => testcase.time >= 0), 'each with its time');
  });

  t.test('a Reflex backend that only accepts another origin', async (t) => {
    const picky = await startReflexStandin(t, { dbPath: django.dbPath, allowedOrigins: ['http://elsewhere.example'] });
    const proxy = await proxyFor({ reflex: picky.url });
    const result = await verify(proxy.url, withLogin);
    t.equal(result.code, 1);
    t.equal(statuses(result.checks), '1:pass 2:pass 3:pass 4:pass 5:pass 6:fail 7:skipped(needs 6) 8:pass 9:pass');
    t.match(result.checks[5], { reason: /refused with 403/, fix: /add it to cors_allowed_origins in rxconfig\.py/ });
  });

  t.test('the Reflex backend down', async (t) => {
    const proxy = await proxyFor({ reflex: `http://127.0.0.1:${await freePort()}` });
    const result = await verify(proxy.url, withLogin);
    t.equal(result.code, 1);
    t.equal(statuses(result.checks), '1:fail 2:pass 3:pass 4:pass 5:pass 6:skipped(needs 1) 7:skipped(needs 6) 8:skipped(needs 1) 9:pass');
    t.match(result.checks[0], { reason: /reflex \(http:\/\/127\.0\.0\.1:\d+\) is down/, fix: /start reflex/ });
  });

  t.test('verify pointed at Django directly instead of the proxy', async (t) => {
    const result = await verify(django.url, withLogin);
    t.equal(result.code, 1);
    t.equal(statuses(result.checks), '1:skipped 2:fail 3:pass 4:pass 5:pass 6:skipped(needs 2) 7:skipped(needs 6) 8:skipped(needs 2) 9:skipped(needs 2)');
    t.match(result.checks[0]?.reason, /\/__rdp\/ is not reachable \(404\)/);
    t.match(result.checks[1], { reason: /\/ answered 404 text\/html/, fix: /--url the proxy's origin/ });
  });

  t.test('SESSION_COOKIE_SECURE on a loopback URL is a warning naming Secure, and exit 0', async (t) => {
    const secure = await startDjango(t, { settings: { SESSION_COOKIE_SECURE: true } });
    const proxy = await proxyFor({ django: secure.url });
    const junit = join(reports, 'secure.xml');
    const result = await verify(proxy.url, [...withLogin, '--junit', junit]);
    t.equal(result.code, 0, result.stdout);
    t.equal(statuses(result.checks), '1:pass 2:pass 3:pass 4:pass 5:warn 6:pass 7:pass 8:pass 9:pass');
    t.match(result.checks[4], { reason: /sessionid is Secure over plain http: Chromium and Firefox still send it/, fix: /SESSION_COOKIE_SECURE = False/ });
    const [suite] = readJUnit(junit);
    t.match(suite!.attributes, { failures: '0', skipped: '0' });
    t.match(suite!.properties, { warnings: '1' });
    t.match(suite!.cases[4], { outcome: 'warn', text: /^warning: sessionid is Secure over plain http[^]*fix: set SESSION_COOKIE_SECURE = False/ }, 'a warning is marked as one');
  });

  t.test('an app without rx.upload: /_upload 404 from the Reflex backend passes check 8 with the note', async (t) => {
    const uploadless = await startReflexStandin(t, { dbPath: django.dbPath, uploads: false });
    const direct = await request(`${uploadless.url}/_upload`, { method: 'POST', body: 'x' });
    t.equal(direct.status, 404, 'the stand-in answers as real Reflex 0.9.8 does without rx.upload');
    t.equal(direct.text(), 'Not Found');
    for (const [how, extra] of [['by the X-RDP-Route header', []], ["by the proxy's record (--no-route-header)", ['--no-route-header']]] as Array<[string, string[]]>) {
      const proxy = await proxyFor({ reflex: uploadless.url }, extra);
      const result = await verify(proxy.url, withLogin);
      t.equal(result.code, 0, `${how}: ${result.stdout}`);
      t.equal(statuses(result.checks), '1:pass 2:pass 3:pass 4:pass 5:pass 6:pass 7:pass 8:pass 9:pass', how);
      t.match(result.checks[7]?.reason, /^404 from the Reflex backend: the app registers no upload handler \(no rx\.upload on any page\)/, `${how}: with the note`);
    }
  });

  t.test('a 404 at /_upload from a backend that is not Reflex fails check 8', async (t) => {
    // The Reflex URL points at Django: /_upload is routed as the Reflex backend, and Django answers 404.
    const proxy = await proxyFor({ reflex: django.url });
    const result = await verify(proxy.url, withLogin);
    t.equal(result.code, 1);
    t.equal(statuses(result.checks), '1:pass 2:pass 3:pass 4:pass 5:pass 6:fail 7:skipped(needs 6) 8:fail 9:pass');
    t.match(result.checks[7], { reason: /404 from reflex \(rule 1, prefix \/_upload\), but that backend did not take the Reflex socket \(check 6\): it may not be Reflex/, fix: /--reflex-backend-url/ });
  });

  t.test('/_upload sent elsewhere than Reflex fails check 8 naming where it went', async (t) => {
    // Under a backend path the reserved prefixes move: /_upload itself is then a frontend path.
    const proxy = await proxyFor({}, ['--reflex-backend-path', '/rx']);
    const result = await verify(proxy.url, withLogin);
    t.equal(result.code, 1);
    t.match(result.checks[7], { status: 'fail', reason: /^\/_upload went to proxy \(rule 5\) and answered 405/ });
  });

  t.test('bad flags exit 2 with one line', async (t) => {
    for (const [args, message] of [
      [['--url', 'localhost:8000'], /--url: "localhost:8000" is not valid/],
      [['--timeout', 'soon'], /--timeout: "soon" is not valid/],
      [['--username', 'admin'], /--password is missing/],
      [['--login-url', 'admin/login/'], /--login-url: "admin\/login\/" is not valid/],
      [['--junit', '/nonexistent-folder/verify.xml'], /--junit: \/nonexistent-folder\/verify\.xml cannot be written \(ENOENT\); give a file in an existing, writable folder/],
    ] as Array<[string[], RegExp]>) {
      const failure = await run(process.execPath, [CLI, 'verify', ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      t.equal(failure.code, 2, args.join(' '));
      t.match(failure.stderr, message);
      t.equal(failure.stderr.trim().split('\n').length, 1);
    }
  });
});
