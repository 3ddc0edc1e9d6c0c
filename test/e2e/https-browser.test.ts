// The --https rehearsal in a real browser: headless Chromium, trusting the proxy's local CA through
// the command the proxy prints (certutil into an NSS database; no certificate error is ignored),
// logs in to real Django with Secure cookies and SECURE_PROXY_SSL_HEADER at /admin/ over HTTP/2,
// then the Reflex page on the same origin shows the user over wss://…/_event, and Vite's HMR socket
// connects. The same Django without SECURE_PROXY_SSL_HEADER refuses the login with Django's own
// "Origin checking failed", which doctor and verify both name.
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { chromium, type Browser } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  chromiumHomeTrusting,
  djangoSiteDir,
  localCaDir,
  startDjango,
  startProxy,
  startReflexStandin,
  startVite,
  testVirtualEnv,
} from '../helpers/index.js';
import { CLI } from '../helpers/proxy.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/rdp-e2e-https.png';
const run = promisify(execFile);

if (!existsSync(CHROMIUM)) {
  t.fail(`${CHROMIUM} is missing: run .ci/run (it installs Chromium and the other test dependencies)`);
} else {
  const tls = await localCaDir(t);
  const django = await startDjango(t, { https: 'with-ssl-header' });
  const forgetful = await startDjango(t, { https: 'no-ssl-header' });
  const [reflex, vite] = await Promise.all([startReflexStandin(t, { dbPath: django.dbPath }), startVite(t)]);
  const proxyFor = (djangoUrl: string) =>
    startProxy(t, ['--https', '--django-url', djangoUrl, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', vite.url], { env: { XDG_CACHE_HOME: tls.xdgCacheHome } });
  const proxy = await proxyFor(django.url);
  const home = await chromiumHomeTrusting(t, tls.caPath);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, HOME: home },
  });
  t.teardown(() => browser.close());

  t.test('log in at /admin/ over HTTP/2, then / shows the user over wss://, and HMR connects', async (t) => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const page = await context.newPage();
    const sockets: string[] = [];
    const socketErrors: string[] = [];
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('socketerror', (error) => socketErrors.push(`${ws.url()}: ${error}`));
    });
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(message.text()));

    const first = await page.goto(`${proxy.url}/admin/`);
    t.ok(first, 'the page loaded: the certificate is trusted (goto would throw on a certificate error)');
    t.equal(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol), 'h2', 'the admin came over HTTP/2');
    t.match(new URL(page.url()).pathname, /^\/admin\/login\/$/);
    await page.fill('#id_username', ADMIN_USERNAME);
    await page.fill('#id_password', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${proxy.url}/admin/`), page.click('input[type="submit"]')]);
    t.match(await page.textContent('h1'), 'Site administration', 'logged in: Django accepted the https Origin');
    const cookies = await context.cookies(proxy.url);
    t.match(cookies.find((cookie) => cookie.name === 'sessionid'), { secure: true, domain: '127.0.0.1' }, 'a Secure session cookie on the proxy origin');

    await page.goto(`${proxy.url}/`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.equal(await page.textContent('#user'), ADMIN_USERNAME, '#user shows the Django user');
    t.equal(await page.getAttribute('body', 'data-error'), null);
    const wss = `wss://127.0.0.1:${proxy.port}`;
    t.ok(sockets.some((url) => url.startsWith(`${wss}/_event/?`) && url.includes('transport=websocket')), `the Reflex socket went to ${wss}/_event`);
    const hmrDeadline = Date.now() + 10_000;
    while (!consoleLines.some((line) => line.includes('[vite] connected')) && Date.now() < hmrDeadline) await page.waitForTimeout(100);
    t.ok(sockets.some((url) => url.startsWith(`${wss}/?token=`)), "Vite's HMR socket went to the https origin");
    t.ok(consoleLines.some((line) => line.includes('[vite] connected')), `Vite's client says it connected (console: ${consoleLines.join(' | ')})`);
    t.same(socketErrors, [], 'no socket failed');
  });

  t.test('without SECURE_PROXY_SSL_HEADER: the browser gets 403, doctor and verify name the setting', async (t) => {
    const broken = await proxyFor(forgetful.url);
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const page = await context.newPage();
    await page.goto(`${broken.url}/admin/login/`);
    await page.fill('#id_username', ADMIN_USERNAME);
    await page.fill('#id_password', ADMIN_PASSWORD);
    const [answer] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), page.click('input[type="submit"]')]);
    t.equal(answer.status(), 403);
    t.match(await page.textContent('body'), `Origin checking failed - ${broken.url} does not match any trusted origins`);

    const env = { PATH: process.env.PATH, VIRTUAL_ENV: testVirtualEnv(), RDP_FIXTURE_HTTPS: 'no-ssl-header', XDG_CACHE_HOME: tls.xdgCacheHome, HOME: process.env.HOME };
    const doctor = await run(process.execPath, [CLI, 'doctor', '--project', djangoSiteDir, '--https', '--json'], { env }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    t.equal(doctor?.code, 1, 'doctor exits 1');
    const report = JSON.parse(doctor!.stdout) as { findings: Array<{ setting: string; severity: string; why: string; fix: string; file: string }> };
    t.match(report.findings[0], { setting: 'SECURE_PROXY_SSL_HEADER', severity: 'error', why: /403 "Origin checking failed"/, fix: /SECURE_PROXY_SSL_HEADER = \('HTTP_X_FORWARDED_PROTO', 'https'\)/, file: /site_project\/settings\.py$/ });

    const verify = await run(process.execPath, [CLI, 'verify', '--url', broken.url, '--json', '--username', ADMIN_USERNAME, '--password', ADMIN_PASSWORD], { env }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    t.equal(verify?.code, 1, 'verify exits 1');
    const checks = verify!.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; status: string; reason: string; fix: string | null });
    t.match(checks.find((check) => check.id === 5), { status: 'fail', reason: /refused by CSRF \(403\).*Origin checking failed/, fix: /SECURE_PROXY_SSL_HEADER/ });
    t.match(checks.find((check) => check.id === 1), { status: 'pass' }, 'verify trusted the local CA');
  });
}
