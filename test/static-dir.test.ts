// --frontend-dir: reflex-django's lookup order, content types, no listing, nothing from outside.
import { request as httpRequest } from 'node:http';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { freePort } from './helpers/index.js';
import { startProxy } from './helpers/proxy.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the path exactly as given: URL-based clients would resolve `..` before sending. */
function get(base: string, path: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('an exported build served from a directory', async (t) => {
  const outside = t.testdir({ 'secret.txt': 'SECRET', build: {} });
  const build = join(outside, 'build');
  const files = {
    'index.html': '<h1>index</h1>',
    'about.html': '<h1>about</h1>',
    'docs/index.html': '<h1>docs</h1>',
    'blog/post.html': '<h1>post</h1>',
    'assets/app-1a2b.js': 'console.log(1)',
    'assets/style-3c4d.css': 'body{}',
    'assets/logo.svg': '<svg/>',
    'assets/data.json': '{}',
    'assets/font.woff2': 'wOF2',
    '404.html': '<h1>not found</h1>',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(build, name, '..'), { recursive: true });
    writeFileSync(join(build, name), content);
  }
  symlinkSync(join(outside, 'secret.txt'), join(build, 'link.txt'));
  symlinkSync(outside, join(build, 'linkdir'));

  const unused = String(await freePort());
  const proxy = await startProxy(t, [
    '--frontend-dir', build,
    '--django-url', `http://127.0.0.1:${unused}`,
    '--reflex-backend-url', `http://127.0.0.1:${unused}`,
  ]);

  t.test('lookup order: <path>, <path>.html, <path>/index.html, then index.html', async (t) => {
    const cases: Array<[string, string]> = [
      ['/', '<h1>index</h1>'],
      ['/index.html', '<h1>index</h1>'],
      ['/about', '<h1>about</h1>'],
      ['/about/', '<h1>about</h1>'],
      ['/about.html', '<h1>about</h1>'],
      ['/docs', '<h1>docs</h1>'],
      ['/docs/', '<h1>docs</h1>'],
      ['/blog/post', '<h1>post</h1>'],
      ['/blog/post?x=1', '<h1>post</h1>'],
      ['/some/client/route', '<h1>index</h1>'],
      ['/assets/', '<h1>index</h1>'],
      ['/%61bout', '<h1>about</h1>'],
    ];
    for (const [path, body] of cases) {
      const res = await get(proxy.url, path);
      t.equal(res.status, 200, path);
      t.equal(res.body, body, path);
    }
  });

  t.test('content types', async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['/', /^text\/html; charset=utf-8$/],
      ['/assets/app-1a2b.js', /^(text|application)\/javascript; charset=utf-8$/],
      ['/assets/style-3c4d.css', /^text\/css; charset=utf-8$/],
      ['/assets/logo.svg', /^image\/svg\+xml$/],
      ['/assets/data.json', /^application\/json; charset=utf-8$/],
      ['/assets/font.woff2', /^font\/woff2$/],
    ];
    for (const [path, type] of cases) {
      const res = await get(proxy.url, path);
      t.match(String(res.headers['content-type']), type, path);
      t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)), `${path} length`);
    }
  });

  t.test('nothing outside the directory, no listing', async (t) => {
    const escapes = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..\\secret.txt',
      '/link.txt',
      '/linkdir/secret.txt',
      '/linkdir',
      '/x%00.html',
    ];
    for (const path of escapes) {
      const res = await get(proxy.url, path);
      t.notMatch(res.body, /SECRET/, `${path} does not leak`);
      t.equal(res.body, '<h1>index</h1>', `${path} falls back to index.html`);
    }
    const listing = await get(proxy.url, '/assets');
    t.equal(listing.body, '<h1>index</h1>', 'a directory is never listed');
  });

  t.test('methods', async (t) => {
    const head = await get(proxy.url, '/about', 'HEAD');
    t.equal(head.status, 200);
    t.equal(head.body, '');
    t.equal(head.headers['content-length'], String('<h1>about</h1>'.length));
    const options = await get(proxy.url, '/about', 'OPTIONS');
    t.equal(options.status, 204);
    t.equal(options.headers.allow, 'GET, HEAD, OPTIONS');
    const post = await get(proxy.url, '/about', 'POST');
    t.equal(post.status, 405);
    t.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
  });

  t.test('no HMR socket: an upgrade to a frontend path gets 404', async (t) => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/?token=x`);
      ws.once('open', () => reject(new Error('opened')));
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', () => {});
    });
    t.equal(status, 404);
  });
});

t.test('a directory without index.html answers 404 for unknown paths', async (t) => {
  const build = t.testdir({ 'about.html': 'about' });
  const unused = String(await freePort());
  const proxy = await startProxy(t, ['--frontend-dir', build, '--django-url', `http://127.0.0.1:${unused}`, '--reflex-backend-url', `http://127.0.0.1:${unused}`]);
  t.equal((await get(proxy.url, '/about')).status, 200);
  const missing = await get(proxy.url, '/nowhere');
  t.equal(missing.status, 404);
  t.match(missing.body, /RDP_ERR_NOT_FOUND/);
});
