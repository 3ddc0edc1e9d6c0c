// The migration checklist in a real browser: headless Chromium on the proxy's one origin in front
// of real Django, the Reflex stand-in (sharing Django's DB) and Vite. Logging in to the Django
// admin through the proxy makes the Reflex page, served from the same origin, know the user.
import { existsSync } from 'node:fs';
import t from 'tap';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  startDjango,
  startProxy,
  startReflexStandin,
  startVite,
} from '../helpers/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/rdp-e2e.png';

if (!existsSync(CHROMIUM)) {
  // Not a skip: the browser check is part of the suite, and .ci/run installs what it needs.
  t.fail(`${CHROMIUM} is missing: run .ci/run (it installs Chromium and the other test dependencies)`);
} else {
  const django = await startDjango(t);
  const [reflex, vite] = await Promise.all([startReflexStandin(t, { dbPath: django.dbPath }), startVite(t)]);
  const proxy = await startProxy(t, [
    '--django-url', django.url,
    '--reflex-backend-url', reflex.url,
    '--reflex-frontend-url', vite.url,
  ]);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());

  interface ReflexPage {
    user: string;
    /** What the page's Socket.IO client reported on connect_error (null: none). */
    connectError: string | null;
    pageErrors: string[];
  }

  /** Opens `/` in `context` and reads #user once the stand-in has said hello. */
  async function reflexPage(context: BrowserContext, screenshot?: string): Promise<ReflexPage> {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${proxy.url}/`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return {
      user: (await page.textContent('#user')) ?? '',
      connectError: await page.getAttribute('body', 'data-error'),
      pageErrors,
    };
  }

  t.test('log in to the Django admin, then the Reflex page shows the user', async (t) => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    const page = await context.newPage();

    await page.goto(`${proxy.url}/admin/`);
    t.match(new URL(page.url()).pathname, /^\/admin\/login\/$/, 'the admin sends us to its login form');
    t.equal(new URL(page.url()).origin, new URL(proxy.url).origin, 'still on the proxy origin');
    await page.fill('#id_username', ADMIN_USERNAME);
    await page.fill('#id_password', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${proxy.url}/admin/`), page.click('input[type="submit"]')]);
    t.match(await page.textContent('h1'), 'Site administration', 'the admin index, logged in');
    t.match(await page.textContent('#user-tools'), ADMIN_USERNAME);

    const cookies = await context.cookies(proxy.url);
    t.ok(cookies.some((cookie) => cookie.name === 'sessionid'), 'the session cookie belongs to the proxy origin');

    t.same(await reflexPage(context, SCREENSHOT), { user: ADMIN_USERNAME, connectError: null, pageErrors: [] },
      '#user shows the Django user');
  });

  t.test('a fresh browser without a session is anonymous', async (t) => {
    const context = await browser.newContext();
    t.teardown(() => context.close());
    t.same(await reflexPage(context), { user: 'anonymous', connectError: null, pageErrors: [] });
  });
}
