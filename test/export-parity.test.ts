// Parity: the proxy, real nginx, Caddy and HAProxy — the last three running the files `export`
// writes — in front of the same recording upstreams send each request of one table
// (test/helpers/export-table.ts) to the same upstream and forward the same target, or do what the
// row says that engine does instead. Around the table: the headers each sets, the Location each
// rewrites, whose page a refusal is, and that bodies stream both ways. The other layouts (the split
// layout, a single-port Reflex) are held to their own tables the same way.
import { request as httpRequest } from 'node:http';
import t, { type Test } from 'tap';
import { type FlagValues, type ResolvedConfig, resolveConfig } from '../src/config/resolve.js';
import { explainPath } from '../src/config/routes-report.js';
import { DIFFERENCES, differencesFor } from '../src/export/differences.js';
import { originForm } from '../src/router.js';
import { EXPORT_SERVERS, type Front, startFronts } from './helpers/edge-servers.js';
import { describeRow, expectedOf, LAYOUT_TABLES, type Outcome, type Row, ROWS, TABLE_SETTINGS } from './helpers/export-table.js';
import { sleep, tempDir } from './helpers/index.js';
import { type Answer, type Recorder, send, startRecorder } from './helpers/recorder.js';

function outcomeOf(answer: Answer): Outcome {
  if (answer.upstream !== undefined) return answer.upstream as Outcome;
  if (answer.status === 200 && answer.body.includes('"upstreams"')) return 'self';
  return answer.status as Outcome;
}

const django = await startRecorder(t, 'django');
const reflex = await startRecorder(t, 'reflex');
const frontend = await startRecorder(t, 'frontend');
const settings = ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', frontend.url];
const fronts = await startFronts(t, [...settings, ...TABLE_SETTINGS]);

function agreesWithRouter(t: Test, config: ResolvedConfig, rows: readonly Row[]): void {
  // An upgrade to anything but WebSocket is refused before routing (the row's 400).
  const isWebSocket = (row: Row): boolean => row.upgrade !== undefined && (row.upgrade === true || row.upgrade.toLowerCase() === 'websocket');
  for (const row of rows.filter((candidate) => candidate.upgrade === undefined || isWebSocket(candidate))) {
    const report = explainPath(config, row.method ?? 'GET', row.target, isWebSocket(row));
    const routed: Outcome = report.target === 'reject' ? (report.status as Outcome) : report.target === 'proxy' ? 'self' : (report.target as Outcome);
    t.equal(routed, row.expect, describeRow(row));
  }
}

async function rowsGoWhereTheTableSays(t: Test, name: Front, port: number, rows: readonly Row[]): Promise<void> {
  const seen: string[] = [];
  for (const row of rows) {
    const answer = await send(port, row.target, {
      method: row.method,
      upgrade: row.upgrade,
      websocketKey: row.websocketKey,
      headers: row.host === undefined ? undefined : { host: row.host },
      body: row.method === 'POST' ? 'a=1' : undefined,
    });
    const outcome = outcomeOf(answer);
    seen.push(`${describeRow(row)} -> ${outcome}${answer.forwarded === undefined ? '' : ` (${answer.forwarded})`}`);
    t.equal(outcome, expectedOf(row, name), `${name}: ${describeRow(row)}`);
    if (answer.upstream !== undefined) {
      // Forwarded byte for byte (an absolute-form target as its origin-form), whatever was matched.
      t.equal(answer.forwarded, originForm(row.target), `${name}: ${describeRow(row)} forwarded as sent`);
    }
    // Rule 5's 405 says what is allowed; nginx's own 405 for TRACE is not that one.
    if (outcome === 405 && row.expect === 405) t.equal(answer.headers.allow, 'GET, HEAD, OPTIONS', `${name}: ${describeRow(row)} Allow`);
  }
  t.comment(seen.join('\n'));
}

t.test('the table agrees with the router the proxy runs', async (t) => {
  agreesWithRouter(t, await resolveConfig({ flags: { 'django-ws-prefix': '/ws' }, env: {}, cwd: await tempDir(t, 'rdp-parity-'), stdoutIsTTY: false }), ROWS);
});

t.test('every deviation names a difference documented for that engine', async (t) => {
  for (const row of [...ROWS, ...LAYOUT_TABLES.flatMap((layout) => layout.rows)]) {
    for (const [engine, deviation] of Object.entries(row.differ ?? {})) {
      const difference = DIFFERENCES.find((candidate) => candidate.id === deviation.because);
      t.ok(difference?.servers.includes(engine as never), `${describeRow(row)}: ${engine} deviates because of "${deviation.because}"`);
      t.not(deviation.outcome, row.expect, `${describeRow(row)}: a deviation for ${engine} differs from the contract`);
    }
  }
});

for (const { name, port } of fronts) {
  t.test(`${name}: every row goes where the table says`, (t) => rowsGoWhereTheTableSays(t, name, port, ROWS));
}

/** A layout's command-line settings as the flag values resolveConfig takes: `--flag value`, or `--flag` alone for true. */
function layoutFlags(settings: readonly string[]): FlagValues {
  const flags: Record<string, string | true> = {};
  settings.forEach((word, index) => {
    if (!word.startsWith('--')) return;
    const next = settings[index + 1];
    flags[word.slice(2)] = next === undefined || next.startsWith('--') ? true : next;
  });
  return flags;
}

for (const layout of LAYOUT_TABLES) {
  t.test(`the ${layout.name} layout`, async (t) => {
    const backends = ['--django-url', django.url, '--reflex-backend-url', reflex.url];
    t.test('its table agrees with the router the proxy runs', async (t) => {
      agreesWithRouter(t, await resolveConfig({ flags: { ...layoutFlags(layout.settings), 'django-url': django.url, 'reflex-backend-url': reflex.url }, env: {}, cwd: await tempDir(t, 'rdp-parity-'), stdoutIsTTY: false }), layout.rows);
    });
    for (const { name, port } of await startFronts(t, [...backends, ...layout.settings])) {
      t.test(`${name}: every row goes where the table says`, (t) => rowsGoWhereTheTableSays(t, name, port, layout.rows));
    }
  });
}

/** Whose words a refusal is in: the proxy's RDP_ERR_* code (the proxy, HAProxy's plain text) or the server's own page. */
const REFUSAL_CODE: Readonly<Record<Front, boolean>> = { proxy: true, haproxy: true, nginx: false, caddy: false };

for (const { name, port } of fronts) {
  t.test(`${name}: a 405 ${REFUSAL_CODE[name] ? 'names RDP_ERR_METHOD_NOT_ALLOWED' : "is the server's own page"}`, async (t) => {
    const text = await send(port, '/about', { method: 'POST', body: 'a=1' });
    t.equal(text.status, 405);
    t.equal(text.body.includes('RDP_ERR_METHOD_NOT_ALLOWED'), REFUSAL_CODE[name], name === 'haproxy' ? 'plain-text-answers' : 'status-pages');
    const json = await send(port, '/about', { method: 'POST', body: 'a=1', headers: { accept: 'application/json' } });
    const isJson = (json.headers['content-type'] ?? '').startsWith('application/json');
    // Only the proxy answers a JSON client in JSON (HAProxy's plain-text-answers).
    t.equal(isJson, name === 'proxy', `${name}: JSON to a client asking for it`);
  });
}

for (const { name, port } of fronts) {
  t.test(`${name}: Host kept, X-Forwarded-* set and a client's own dropped`, async (t) => {
    const host = 'app.example:8443';
    const answer = await send(port, '/admin/', {
      headers: { host, 'x-forwarded-for': '10.9.9.9', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/sub' },
    });
    const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
    t.equal(seen.headers.host, host);
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    t.equal(seen.headers['x-forwarded-host'], host);
    t.equal(seen.headers['x-forwarded-proto'], 'http');
    t.equal(seen.headers['x-forwarded-port'], String(port));
    // The proxy drops every X-Forwarded-* a client sends; the engines only those they set ("forwarded-headers").
    t.equal(seen.headers['x-forwarded-prefix'], name === 'proxy' ? undefined : '/sub', 'X-Forwarded-Prefix');
  });

  t.test(`${name}: a Location naming the upstream's origin moves to the client's`, async (t) => {
    const answer = await send(port, '/admin/?rdp-location=1', { headers: { host: 'app.example:8443' } });
    t.equal(answer.status, 302);
    t.equal(answer.headers.location, 'http://app.example:8443/elsewhere');
  });
}

t.test('--trust-proxy: a client-sent X-Forwarded-* is kept, the client address appended', async (t) => {
  for (const { name, port } of await startFronts(t, [...settings, '--trust-proxy'])) {
    const answer = await send(port, '/admin/', {
      headers: { host: '127.0.0.1', 'x-forwarded-for': '10.9.9.9', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' },
    });
    const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
    t.equal(seen.headers['x-forwarded-for'], '10.9.9.9, 127.0.0.1', `${name}: appended`);
    t.equal(seen.headers['x-forwarded-host'], 'app.example', `${name}: host kept`);
    t.equal(seen.headers['x-forwarded-proto'], 'https', `${name}: proto kept`);
  }
});

/** Resolves once `check` holds, or with false after `ms`: how a test waits for bytes without hanging. */
async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(20)) if (check()) return true;
  return check();
}

const UPLOAD_HALF = 10 * 1024 * 1024;

/**
 * A 20 MiB chunked upload whose second half is sent only once the upstream has bytes of the first
 * (or a while has passed): a front that buffers the body leaves the upstream waiting for all of it.
 */
function streamedUpload(port: number, path: string, upstream: Recorder): Promise<{ streamed: boolean; bodyBytes: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, agent: false });
    let streamed = false;
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ streamed, bodyBytes: res.statusCode === 200 ? (JSON.parse(body) as { bodyBytes: number }).bodyBytes : undefined }));
    });
    req.on('error', reject);
    const before = upstream.received();
    req.write(Buffer.alloc(UPLOAD_HALF, 1));
    void eventually(() => upstream.received() > before).then((arrived) => {
      streamed = arrived;
      req.end(Buffer.alloc(UPLOAD_HALF, 2));
    });
  });
}

/** A response whose first line reaches the client, or not, while the upstream holds the rest back. */
function streamedResponse(port: number, path: string, upstream: Recorder): Promise<{ firstLineEarly: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: `${path}?rdp-hold=1`, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      void eventually(() => body.includes('first')).then((firstLineEarly) => {
        upstream.release();
        res.on('end', () => resolve({ firstLineEarly, body }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

for (const { name, port } of fronts) {
  // nginx buffers a request body for Django before sending any of it, by its default ("buffering");
  // its response buffering still hands a fast client each chunk as it comes. All else streams.
  for (const [upstream, path, uploadStreams] of [[reflex, '/_upload', true], [django, '/admin/upload', name !== 'nginx']] as const) {
    t.test(`${name}: ${path}: a 20 MiB upload uncapped${uploadStreams ? ' and streamed' : ', buffered first'}; the response streamed`, async (t) => {
      const upload = await streamedUpload(port, path, upstream);
      t.equal(upload.streamed, uploadStreams, 'the upstream had the first half before the client sent the second');
      t.equal(upload.bodyBytes, 2 * UPLOAD_HALF, 'every byte arrived');
      const download = await streamedResponse(port, path, upstream);
      t.ok(download.firstLineEarly, 'the first line arrived while the upstream held the rest');
      t.equal(download.body, 'first\nlast\n');
    });
  }
}

/** Differences asserted outside the table, and where. */
const ASSERTED_ELSEWHERE: Readonly<Record<string, string>> = {
  'forwarded-headers': 'X-Forwarded-Prefix in "Host kept, X-Forwarded-* set" above',
  'status-pages': 'the 405 page test above',
  'plain-text-answers': 'the 405 page test above',
  buffering: 'the streaming tests above',
  'no-hold': 'test/export-hold.test.ts',
  'retry-hold': 'test/export-hold.test.ts',
};

t.test('every difference of nginx, Caddy and HAProxy is asserted, by the table or a test above', async (t) => {
  const inTable = new Set(ROWS.flatMap((row) => Object.values(row.differ ?? {}).map((deviation) => deviation.because)));
  for (const server of EXPORT_SERVERS) {
    for (const difference of differencesFor(server)) t.ok(inTable.has(difference.id) || difference.id in ASSERTED_ELSEWHERE, `${server}: ${difference.id}`);
  }
});
