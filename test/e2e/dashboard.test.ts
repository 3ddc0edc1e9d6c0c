// The dashboard in a real browser: headless Chromium on the proxy in front of real Django, the
// Reflex stand-in (sharing Django's DB) and Vite. One tab keeps /__rdp/ open while another logs in
// to the Django admin and opens the Reflex page; the dashboard shows those requests with their
// targets and rules, the /_event socket with the cookie names its handshake carried, the Reflex
// backend going down and coming back, and a verify run from its button. The screenshots in
// docs/images are made here: RDP_SCREENSHOTS=docs/images npx tap test/e2e/dashboard.test.ts
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  freePort,
  repoRoot,
  startDjango,
  startProxy,
  startReflexStandin,
  startVite,
  tempDir,
  type ReflexStandin,
} from '../helpers/index.js';

const CHROMIUM = '/usr/bin/chromium';
/** Generous: the state shows within a second on a quiet machine; this only bounds a hang. */
const STATE_TIMEOUT_MS = 15_000;

if (!existsSync(CHROMIUM)) {
  // Not a skip: the browser check is part of the suite, and .ci/run installs what it needs.
  t.fail(`${CHROMIUM} is missing: run .ci/run (it installs Chromium and the other test dependencies)`);
} else {
  const shots = process.env.RDP_SCREENSHOTS === undefined ? await tempDir(t, 'rdp-dashboard-shots-') : resolve(repoRoot, process.env.RDP_SCREENSHOTS);
  const django = await startDjango(t);
  const reflexPort = await freePort();
  const standin = (): Promise<ReflexStandin> => startReflexStandin(t, { dbPath: django.dbPath, port: reflexPort });
  let reflex = await standin();
  const vite = await startVite(t);
  const proxy = await startProxy(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', vite.url]);
  // localhost, as a developer opens it: the session cookie belongs to that origin.
  const origin = `http://localhost:${proxy.port}`;
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'],
  });
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const dashboard = await context.newPage();
  const pageErrors: string[] = [];
  dashboard.on('pageerror', (error) => pageErrors.push(error.message));
  dashboard.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await dashboard.goto(`${origin}/__rdp/`);
  await dashboard.locator('#live[data-state="live"]').waitFor({ timeout: STATE_TIMEOUT_MS });

  const pill = (name: string, state: string): Locator => dashboard.locator(`#upstream-pills li[data-upstream="${name}"][data-state="${state}"]`);
  const tab = async (name: string): Promise<void> => {
    await dashboard.click(`.tabs a[data-tab="${name}"]`);
    await dashboard.locator(`#${name}`).waitFor({ state: 'visible' });
  };
  const shoot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `dashboard-${name}.png`) });

  t.test('every upstream shows up', async (t) => {
    for (const name of ['django', 'reflex', 'frontend']) {
      await pill(name, 'up').waitFor({ timeout: STATE_TIMEOUT_MS });
      t.pass(`${name} up`);
    }
  });

  t.test('a login in another tab, then the Reflex page: requests with their rules, the socket with sessionid', async (t) => {
    const app = await context.newPage();
    await app.goto(`${origin}/admin/`);
    await app.fill('#id_username', ADMIN_USERNAME);
    await app.fill('#id_password', ADMIN_PASSWORD);
    await Promise.all([app.waitForURL(`${origin}/admin/`), app.click('input[type="submit"]')]);
    await app.goto(`${origin}/`);
    await app.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    t.equal(await app.textContent('#user'), ADMIN_USERNAME, 'the Reflex page knows the Django user');

    await tab('requests');
    const row = (method: string, target: string, rule: string, status: string, path: RegExp): Locator =>
      dashboard
        .locator(`#request-table tbody tr[data-target="${target}"][data-rule="${rule}"][data-status="${status}"]`)
        .filter({ has: dashboard.locator('td.path', { hasText: path }) })
        .filter({ has: dashboard.locator('td', { hasText: new RegExp(`^${method}$`) }) });
    for (const [method, target, rule, status, path] of [
      ['GET', 'django', '3', '302', /^\/admin\/$/],
      ['GET', 'django', '3', '200', /^\/admin\/login\/\?next=\/admin\/$/],
      ['POST', 'django', '3', '302', /^\/admin\/login\/\?next=\/admin\/$/],
      ['GET', 'django', '3', '200', /^\/static\/admin\/css\/base\.css$/],
      ['GET', 'frontend', '4', '200', /^\/$/],
      ['GET', 'frontend', '4', '200', /^\/@vite\/client$/],
    ] as Array<[string, string, string, string, RegExp]>) {
      await row(method, target, rule, status, path).first().waitFor({ timeout: STATE_TIMEOUT_MS });
      t.pass(`${method} ${path.source} → ${target}, rule ${rule}, ${status}`);
    }

    const login = row('POST', 'django', '3', '302', /^\/admin\/login\//).first();
    t.match(await login.textContent(), /rule 3 · \/admin/, 'the rule with its prefix');
    await login.click();
    const detail = dashboard.locator('#request-detail');
    await detail.locator('h3', { hasText: 'POST /admin/login/' }).waitFor();
    const detailText = (await detail.textContent()) ?? '';
    t.match(detailText, /Cookies sent\s*csrftoken/, 'the cookie names it sent');
    t.match(detailText, /Cookies set.*sessionid/s, 'the cookie names it set');
    const secrets = (await context.cookies(origin)).map((cookie) => cookie.value).filter((value) => value.length >= 16);
    t.ok(secrets.length >= 2, 'csrftoken and sessionid values to look for');
    const everything = await dashboard.content();
    for (const secret of secrets) t.notOk(everything.includes(secret), 'no cookie value anywhere on the dashboard');
    await shoot(dashboard, 'requests');

    await tab('sockets');
    const socket = dashboard.locator('#open-sockets tbody tr[data-target="reflex"]').filter({ has: dashboard.locator('td.path', { hasText: /^\/_event\/\?/ }) });
    await socket.first().waitFor({ timeout: STATE_TIMEOUT_MS });
    const cookies = await socket.first().locator('td[data-cookies]').getAttribute('data-cookies');
    t.ok(cookies?.split(' ').includes('sessionid'), `the /_event handshake carried sessionid (${cookies})`);
    t.match(await socket.first().textContent(), /rule 1 · \/_event/);
    const hmr = dashboard.locator('#open-sockets tbody tr[data-target="frontend"]').filter({ hasText: 'rule 2' });
    await hmr.first().waitFor({ timeout: STATE_TIMEOUT_MS });
    t.pass("Vite's HMR socket: frontend, rule 2");
    await shoot(dashboard, 'sockets');
    await app.close();
  });

  t.test('the request list filters by target and status, and pauses', async (t) => {
    await tab('requests');
    const rows = dashboard.locator('#request-table tbody tr');
    const attributes = (name: string): Promise<string[]> => rows.evaluateAll((trs, key) => trs.map((tr) => (tr as HTMLElement).dataset[key] ?? ''), name);
    await dashboard.selectOption('#request-filters select[name="target"]', 'django');
    t.ok((await attributes('target')).every((target) => target === 'django') && (await rows.count()) > 0, 'only Django\'s requests');
    await dashboard.selectOption('#request-filters select[name="status"]', '3');
    t.same([...new Set(await attributes('status'))].sort(), ['302'], 'only its redirects');
    await dashboard.selectOption('#request-filters select[name="target"]', '');
    await dashboard.selectOption('#request-filters select[name="status"]', '');

    await dashboard.click('#pause');
    const before = await rows.count();
    const probe = `/paused-probe-${process.pid}`;
    await (await fetch(`${proxy.url}${probe}`)).arrayBuffer();
    await dashboard.locator('#request-note', { hasText: '1 new waiting' }).waitFor({ timeout: STATE_TIMEOUT_MS });
    t.equal(await rows.count(), before, 'paused: the list holds still');
    await dashboard.click('#pause');
    await dashboard.locator('#request-table tbody tr td.path', { hasText: probe }).waitFor({ timeout: STATE_TIMEOUT_MS });
    t.pass('resumed: the waiting request shows');
  });

  t.test('the Reflex backend stops: down; it starts again: up', async (t) => {
    await tab('upstreams');
    await reflex.stop();
    await pill('reflex', 'down').waitFor({ timeout: STATE_TIMEOUT_MS });
    await dashboard.locator('#upstream-cards article[data-upstream="reflex"][data-state="down"]').waitFor();
    t.pass('reflex shows down');
    t.equal(await pill('django', 'up').count(), 1, 'django stays up');
    reflex = await standin();
    await pill('reflex', 'up').waitFor({ timeout: STATE_TIMEOUT_MS });
    t.pass('reflex shows up again');
    await shoot(dashboard, 'upstreams');
  });

  t.test('the explain box gives the answer of `routes PATH`', async (t) => {
    await tab('routes');
    await dashboard.fill('#explain input[name="path"]', '/_event/?EIO=4');
    await dashboard.check('#explain input[name="ws"]');
    await dashboard.click('#explain button');
    await dashboard.locator('#explain-answer[data-target="reflex"]').waitFor();
    t.equal(await dashboard.textContent('#explain-answer'), 'WebSocket GET /_event/?EIO=4 → reflex  [rule 1: reserved Reflex prefix → Reflex backend, prefix /_event]');
    await shoot(dashboard, 'routes');
  });

  t.test('verify from the dashboard, with credentials typed into the page', async (t) => {
    await tab('verify');
    await dashboard.fill('#verify-form input[name="username"]', ADMIN_USERNAME);
    await dashboard.fill('#verify-form input[name="password"]', ADMIN_PASSWORD);
    await dashboard.click('#verify-run');
    await dashboard.locator('#verify-summary[data-outcome="pass"]').waitFor({ timeout: 60_000 });
    t.equal(await dashboard.textContent('#verify-summary'), '9 passed, 0 warned, 0 failed, 0 skipped');
    t.same(await dashboard.locator('#verify-results li').evaluateAll((items) => items.map((item) => `${(item as HTMLElement).dataset.id}:${(item as HTMLElement).dataset.status}`)), ['1:pass', '2:pass', '3:pass', '4:pass', '5:pass', '6:pass', '7:pass', '8:pass', '9:pass']);
    t.notMatch(proxy.process.output(), ADMIN_PASSWORD, 'the password is in no log line');
    await shoot(dashboard, 'verify');
  });

  t.test('the page ran without errors', async (t) => {
    t.same(pageErrors, []);
  });
}
