// The proxy's own endpoints: /__rdp/health (each upstream's name, URL and state; 200 only when all
// are up) and /__rdp/routes (the routing table in force).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import t from 'tap';
import { freePort, request, startProxy, tempDir, type TeardownHost } from './helpers/index.js';

interface Health {
  status: string;
  upstreams: Array<{ name: string; url: string; state: string }>;
}

async function httpUpstream(t: TeardownHost, port?: number): Promise<{ port: number; url: string; server: Server }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, '127.0.0.1', () => resolve());
  });
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  });
  const bound = (server.address() as { port: number }).port;
  return { port: bound, url: `http://127.0.0.1:${bound}`, server };
}

function byName(health: Health): Record<string, { url: string; state: string }> {
  return Object.fromEntries(health.upstreams.map(({ name, url, state }) => [name, { url, state }]));
}

t.test('all upstreams up: 200', async (t) => {
  const [django, reflex, frontend] = [await httpUpstream(t), await httpUpstream(t), await httpUpstream(t)];
  const proxy = await startProxy(t, [
    '--django-url', django.url,
    '--reflex-backend-url', reflex.url,
    '--reflex-frontend-url', frontend.url,
  ]);
  const res = await request(`${proxy.url}/__rdp/health`, { timeoutMs: 5000 });
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const health = res.json<Health>();
  t.equal(health.status, 'up');
  t.equal(health.upstreams.length, 3, 'one entry per upstream');
  t.same(byName(health), {
    django: { url: django.url, state: 'up' },
    reflex: { url: reflex.url, state: 'up' },
    frontend: { url: frontend.url, state: 'up' },
  });
  // A query string is the same endpoint.
  const withQuery = await request(`${proxy.url}/__rdp/health?verbose=1`, { timeoutMs: 5000 });
  t.equal(withQuery.status, 200);
});

t.test('one upstream not listening: 503 with it marked down, and 200 again once it is back', async (t) => {
  const [django, frontend] = [await httpUpstream(t), await httpUpstream(t)];
  const reflexPort = await freePort();
  const reflexUrl = `http://127.0.0.1:${reflexPort}`;
  const proxy = await startProxy(t, [
    '--django-url', django.url,
    '--reflex-backend-url', reflexUrl,
    '--reflex-frontend-url', frontend.url,
  ]);
  const res = await request(`${proxy.url}/__rdp/health`, { timeoutMs: 5000 });
  t.equal(res.status, 503);
  const health = res.json<Health>();
  t.equal(health.status, 'down');
  t.same(byName(health), {
    django: { url: django.url, state: 'up' },
    reflex: { url: reflexUrl, state: 'down' },
    frontend: { url: frontend.url, state: 'up' },
  });

  await httpUpstream(t, reflexPort);
  const again = await request(`${proxy.url}/__rdp/health`, { timeoutMs: 5000 });
  t.equal(again.status, 200, 'a fresh check, not a cached state');
  t.equal(byName(again.json<Health>()).reflex?.state, 'up');

  // And down again once it stops: every call checks.
  await new Promise<void>((resolve) => {
    const server = django.server;
    server.closeAllConnections();
    server.close(() => resolve());
  });
  const third = await request(`${proxy.url}/__rdp/health`, { timeoutMs: 5000 });
  t.equal(third.status, 503);
  t.equal(byName(third.json<Health>()).django?.state, 'down');
});

t.test('with --frontend-dir the frontend entry is the directory, and up', async (t) => {
  const dir = await tempDir(t, 'rdp-health-build-');
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  const [django, reflex] = [await httpUpstream(t), await httpUpstream(t)];
  const proxy = await startProxy(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--frontend-dir', dir]);
  const res = await request(`${proxy.url}/__rdp/health`, { timeoutMs: 5000 });
  t.equal(res.status, 200);
  const health = res.json<Health>();
  t.equal(health.status, 'up');
  t.same(byName(health), {
    django: { url: django.url, state: 'up' },
    reflex: { url: reflex.url, state: 'up' },
    frontend: { url: `file://${dir}`, state: 'up' },
  });

  const routes = await request(`${proxy.url}/__rdp/routes`, { timeoutMs: 5000 });
  t.equal(routes.status, 200);
  const table = routes.json<{ frontendKind: string; upstreams: Record<string, string | null> }>();
  t.equal(table.frontendKind, 'directory');
  t.equal(table.upstreams.frontend, dir);
});

t.test('/__rdp/routes returns the routing table', async (t) => {
  const [django, reflex, frontend] = [await httpUpstream(t), await httpUpstream(t), await httpUpstream(t)];
  const proxy = await startProxy(t, [
    '--django-url', django.url,
    '--reflex-backend-url', reflex.url,
    '--reflex-frontend-url', frontend.url,
    '--django-prefix', '/admin',
    '--django-prefix', '/api/',
    '--reserved-prefix', '/_custom',
    '--django-ws-prefix', '/ws',
  ]);
  const res = await request(`${proxy.url}/__rdp/routes`, { headers: { Accept: 'application/json' }, timeoutMs: 5000 });
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const table = res.json<{
    reflexPrefixes: Array<{ prefix: string; source: string }>;
    djangoPrefixes: Array<{ prefix: string; source: string }>;
    djangoWsPrefix: string | null;
    upstreams: Record<string, string | null>;
    frontendKind: string;
  }>();
  t.same(table.djangoPrefixes, [
    { prefix: '/admin', source: 'flag' },
    { prefix: '/api', source: 'flag' },
  ], 'Django prefixes, normalised, with their source');
  t.same(
    table.reflexPrefixes.map((entry) => entry.prefix),
    ['/_event', '/_upload', '/_health', '/_all_routes', '/ping', '/auth-codespace', '/_custom'],
    'the reserved Reflex prefixes, then the extra one',
  );
  t.same(table.reflexPrefixes.at(-1), { prefix: '/_custom', source: 'flag' });
  t.equal(table.reflexPrefixes[0]?.source, 'default');
  t.equal(table.djangoWsPrefix, '/ws');
  t.same(table.upstreams, { django: django.url, reflex: reflex.url, frontend: frontend.url });
  t.equal(table.frontendKind, 'dev-server');

  // The namespace is the proxy's own: an unknown /__rdp/ path is not forwarded anywhere.
  const unknown = await request(`${proxy.url}/__rdp/nope`, { timeoutMs: 5000 });
  t.equal(unknown.status, 404);
});
