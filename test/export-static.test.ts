// An exported build as the frontend (--frontend-dir): the proxy, nginx and Caddy look a path up in
// reflex-django's order (<path>, <path>.html, <path>/index.html, then the SPA shell:
// __spa-fallback.html, else index.html) and answer the same file, gzipped when the build has a .gz
// and the client accepts it; OPTIONS gets 204 with Allow, other methods 405, a WebSocket outside
// Reflex 404.
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import t from 'tap';
import { startFronts } from './helpers/edge-servers.js';
import { tempDir } from './helpers/index.js';
import { type Answer, send, startRecorder } from './helpers/recorder.js';

const FILES: Readonly<Record<string, string>> = {
  'index.html': 'file:index.html',
  'about.html': 'file:about.html',
  'docs/index.html': 'file:docs/index.html',
  'assets/app.js': 'file:assets/app.js',
  '__spa-fallback.html': 'file:__spa-fallback.html',
};
/** Reflex writes a .gz beside each file of its build. */
const GZIPPED = ['assets/app.js', '__spa-fallback.html'];

interface Row {
  readonly method?: string;
  readonly target: string;
  readonly upgrade?: boolean;
  readonly headers?: Record<string, string>;
  /** The file served (`gzip:` when sent gzipped), an upstream, or a status. */
  readonly expect: string | number;
}

const ROWS: readonly Row[] = [
  { target: '/', expect: 'file:index.html' },
  { target: '/about', expect: 'file:about.html' },
  { target: '/about/', expect: 'file:about.html' },
  { target: '/about.html', expect: 'file:about.html' },
  { target: '/%61bout', expect: 'file:about.html' },
  { target: '/docs', expect: 'file:docs/index.html' },
  { target: '/docs/', expect: 'file:docs/index.html' },
  { target: '/assets/app.js?v=1', expect: 'file:assets/app.js' },
  { target: '/some/client/route', expect: 'file:__spa-fallback.html' },
  { target: '/some/client/route', headers: { 'accept-encoding': 'gzip, deflate' }, expect: 'gzip:file:__spa-fallback.html' },
  { target: '/assets/app.js', headers: { 'accept-encoding': 'gzip' }, expect: 'gzip:file:assets/app.js' },
  { target: '/assets/app.js', headers: { 'accept-encoding': 'br' }, expect: 'file:assets/app.js' },
  { target: '/about', headers: { 'accept-encoding': 'gzip' }, expect: 'file:about.html' },
  { method: 'HEAD', target: '/about', expect: 200 },
  { method: 'OPTIONS', target: '/about', expect: 204 },
  { method: 'POST', target: '/about', expect: 405 },
  { target: '/', upgrade: true, expect: 404 },
  { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
  { target: '/admin/', expect: 'django' },
];

function outcomeOf(answer: Answer, gzipped: boolean): string | number {
  if (answer.upstream !== undefined) return answer.upstream;
  if (answer.status === 200 && gzipped) return `gzip:${answer.body}`;
  if (answer.status === 200 && answer.body.startsWith('file:')) return answer.body;
  return answer.status;
}

const dir = await tempDir(t, 'rdp-static-');
const build = join(dir, 'build');
for (const [file, content] of Object.entries(FILES)) {
  await mkdir(join(build, file, '..'), { recursive: true });
  await writeFile(join(build, file), content);
}
for (const file of GZIPPED) await writeFile(join(build, `${file}.gz`), gzipSync(FILES[file]!));
// nginx's workers run as `nobody` when nginx starts as root.
for (const folder of [dir, build, join(build, 'docs'), join(build, 'assets')]) await chmod(folder, 0o755);
const django = await startRecorder(t, 'django');
const reflex = await startRecorder(t, 'reflex');
const settings = ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--frontend-dir', build];

// HAProxy serves no files: export haproxy refuses --frontend-dir (test/export-cli.test.ts).
const fronts = await startFronts(t, settings, ['nginx', 'caddy']);

for (const { name, port } of fronts) {
  t.test(`${name}: the build directory is served in reflex-django's lookup order`, async (t) => {
    for (const row of ROWS) {
      const answer = await send(port, row.target, { method: row.method, upgrade: row.upgrade, headers: row.headers, decompress: true });
      const label = `${name}: ${row.upgrade === true ? 'WebSocket ' : ''}${row.method ?? 'GET'} ${row.target}${row.headers === undefined ? '' : ` ${JSON.stringify(row.headers)}`}`;
      t.equal(outcomeOf(answer, answer.headers['content-encoding'] === 'gzip'), row.expect, label);
      if (String(row.expect).startsWith('gzip:')) t.match(answer.headers.vary, /Accept-Encoding/i, `${label} Vary`);
      if (row.expect === 204 || row.expect === 405) t.equal(answer.headers.allow, 'GET, HEAD, OPTIONS', `${label} Allow`);
    }
  });
}
