// An exported React Router build behind --frontend-dir, as `reflex export --frontend-only` makes
// one: `/` prerendered into index.html, __spa-fallback.html the shell for every other path, a .gz
// beside each file. Built here with Vite and React Router (test/fixtures/react-router-spa) and opened
// in headless Chromium: `/` and a client-only path hydrate without a console error, the assets come
// gzipped — and the same build without its fallback (an older build) fails at the client-only path,
// which is what the fallback is for.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { chromium, type Browser } from 'playwright-core';
import { acceptsGzip } from '../../src/proxy/static-dir.js';
import { fixturesDir, freePort, repoRoot, request, startProxy, tempDir, type RunningProxy } from '../helpers/index.js';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = join(fixturesDir, 'react-router-spa');
const REACT_ROUTER_CLI = join(repoRoot, 'node_modules', '@react-router', 'dev', 'bin.js');
const BUILD_TIMEOUT_MS = 180_000;

/** `react-router build` of the fixture into `dir`; returns the client folder. */
async function buildFixture(dir: string): Promise<string> {
  await promisify(execFile)(process.execPath, [REACT_ROUTER_CLI, 'build'], {
    cwd: FIXTURE,
    env: { ...process.env, RDP_RR_BUILD_DIR: join(dir, 'build'), RDP_VITE_CACHE_DIR: join(dir, 'vite-cache'), NODE_ENV: 'production' },
    timeout: BUILD_TIMEOUT_MS,
  });
  return join(dir, 'build', 'client');
}

/** What Reflex's export adds: a gzipped copy beside every file. */
async function gzipBeside(folder: string): Promise<void> {
  for (const entry of await readdir(folder, { recursive: true })) {
    const file = join(folder, entry);
    if ((await stat(file)).isFile()) await writeFile(`${file}.gz`, gzipSync(await readFile(file)));
  }
}

function serve(dir: string): Promise<RunningProxy> {
  return freePort().then((unused) =>
    startProxy(t, ['--frontend-dir', dir, '--django-url', `http://127.0.0.1:${unused}`, '--reflex-backend-url', `http://127.0.0.1:${unused}`]),
  );
}

interface Visit {
  readonly heading: string;
  readonly errors: string[];
  readonly gzipped: string[];
}

if (!existsSync(CHROMIUM)) {
  // Not a skip: the browser check is part of the suite, and .ci/run installs what it needs.
  t.fail(`${CHROMIUM} is missing: run .ci/run (it installs Chromium and the other test dependencies)`);
} else {
  const dir = await tempDir(t, 'rdp-spa-');
  const client = await buildFixture(dir);
  await gzipBeside(client);
  const older = join(dir, 'older');
  await cp(client, older, { recursive: true });
  await rm(join(older, '__spa-fallback.html'));
  await rm(join(older, '__spa-fallback.html.gz'));

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());

  /** Opens `url`, waits for the route to have hydrated (or for the time to say it did not). */
  async function visit(url: string): Promise<Visit> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    const gzipped: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.headers()['content-encoding'] === 'gzip') gzipped.push(new URL(response.url()).pathname);
    });
    await page.goto(url);
    await page.waitForSelector('#page[data-hydrated="1"]', { timeout: 10_000 }).catch(() => undefined);
    // Recoverable hydration errors are reported a moment after the commit.
    await page.waitForTimeout(500);
    const heading = (await page.textContent('h1').catch(() => null)) ?? '';
    await context.close();
    return { heading, errors, gzipped };
  }

  const proxy = await serve(client);

  t.test('/ is the prerendered index.html and hydrates without an error', async (t) => {
    t.ok(existsSync(join(client, '__spa-fallback.html')), 'React Router wrote the SPA shell');
    const raw = await request(`${proxy.url}/`);
    t.match(raw.text(), '<h1>Home, prerendered</h1>', 'index.html, prerendered for /');
    const home = await visit(`${proxy.url}/`);
    t.equal(home.heading, 'Home, prerendered');
    t.same(home.errors, [], 'no console error');
    t.ok(home.gzipped.some((path) => path.startsWith('/assets/')), `assets sent gzipped: ${home.gzipped.join(', ')}`);
  });

  t.test('a client-only path gets __spa-fallback.html and hydrates without an error', async (t) => {
    const raw = await request(`${proxy.url}/some/page`, { headers: { 'Accept-Encoding': 'gzip' } });
    t.equal(raw.headers['content-encoding'], 'gzip');
    t.equal(raw.headers.vary, 'Accept-Encoding');
    const page = await visit(`${proxy.url}/some/page`);
    t.equal(page.heading, 'Client-only page /some/page', 'the route for the browser path rendered');
    t.same(page.errors, [], 'no console error');
  });

  t.test('without the fallback (an older build), index.html at a client-only path fails to hydrate', async (t) => {
    const olderProxy = await serve(older);
    const page = await visit(`${olderProxy.url}/some/page`);
    t.match(page.errors.join('\n'), /Minified React error #418/, "React's hydration mismatch (#418), as with real Reflex 0.9.8 builds: what __spa-fallback.html avoids");
  });
}

t.test('Accept-Encoding: gzip named or *, with a q above 0', async (t) => {
  for (const [header, accepted] of [
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, GZIP;q=0.5', true],
    ['*', true],
    ['gzip;q=0', false],
    ['br', false],
    ['', false],
    [undefined, false],
  ] as Array<[string | undefined, boolean]>) {
    t.equal(acceptsGzip(header), accepted, String(header));
  }
});
