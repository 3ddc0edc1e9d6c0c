// The bad-input corpus: one row per case, sent byte for byte over a raw socket to a proxy whose
// upstreams are one faulty server (test/helpers/faulty-upstream.ts). Each row says what is sent,
// which status lines the client must get (and the proxy's reason for its own answers), and what
// the upstream may receive: nothing at all, or one request with the headers and body listed.
// A new case is one line. After every row a normal request must still go through, and it must be
// the only thing the upstream saw beyond what the row allows.
import t, { type Test } from 'tap';
import { type Arrival, type FaultyUpstream, startFaultyUpstream } from './helpers/faulty-upstream.js';
import { type RawAnswer, raw } from './helpers/raw-http.js';
import { request, startProxy, type RunningProxy } from './helpers/index.js';

/** What the upstream may receive: `'nothing'`, or one request matching this. */
interface Received {
  readonly kind?: Arrival['kind'];
  /** The target as it arrived. */
  readonly url?: string;
  /** Header lines it must carry, exactly; `$host` stands for the proxy's own host:port. */
  readonly has?: Readonly<Record<string, string | readonly string[]>>;
  /** Headers it must not carry. */
  readonly lacks?: readonly string[];
  readonly body?: string;
}

interface Row {
  readonly name: string;
  /** Raw bytes; `$host` stands for the proxy's host:port. Several strings are several writes. */
  readonly send: string | readonly string[];
  /** Every status line the client gets, in order. */
  readonly statuses: readonly number[];
  /** The proxy's own answer names its code and reason. */
  readonly reason?: RegExp;
  readonly upstream: 'nothing' | Received;
  /** Stop at the final head (a 101, an open stream) instead of waiting for the close. */
  readonly headOnly?: true;
  /** Extra proxy flags; rows sharing flags share a proxy. */
  readonly flags?: readonly string[];
}

const CRLF = '\r\n';
/** A request head from lines, Host first; `Connection: close` unless the row says otherwise. */
const req = (line: string, ...headers: string[]): string => [line, 'Host: $host', ...headers, '', ''].join(CRLF);
const get = (path: string, ...headers: string[]): string => req(`GET ${path} HTTP/1.1`, ...headers, 'Connection: close');
const post = (path: string, headers: readonly string[], body: string): string => req(`POST ${path} HTTP/1.1`, ...headers, 'Connection: close') + body;
const WS = ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
const ws = (path: string, ...headers: string[]): string => req(`GET ${path} HTTP/1.1`, ...WS, ...headers);
const BAD = /^400 RDP_ERR_BAD_REQUEST: \S.{4,}/;
const TRUST = ['--trust-proxy'];

const ROWS: readonly Row[] = [
  // The parser refuses
  { name: 'garbage request line', send: 'GARBAGE\r\n\r\n', statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'unknown HTTP version', send: 'GET /admin/x HTTP/9.9\r\nHost: $host\r\n\r\n', statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'header line without a colon', send: get('/admin/x', 'This is not a header'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'space before the colon', send: get('/admin/x', 'X-Spaced : 1'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'NUL in a header value', send: get('/admin/x', 'X-Nul: a\0b'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a folded header line (obs-fold)', send: get('/admin/x', 'X-Folded: a', ' b'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a bracket in a header name', send: get('/admin/x', 'X(y): 1'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a lower-case method', send: req('get /admin/x HTTP/1.1', 'Connection: close'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a space inside the target', send: req('GET /admin/a b HTTP/1.1', 'Connection: close'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'no Host on HTTP/1.1', send: 'GET /admin/x HTTP/1.1\r\nConnection: close\r\n\r\n', statuses: [400], reason: /RDP_ERR_BAD_REQUEST: no Host/, upstream: 'nothing' },
  { name: 'no Host on HTTP/1.0 is forwarded', send: 'GET /admin/x HTTP/1.0\r\n\r\n', statuses: [200], upstream: { kind: 'http', url: '/admin/x' } },
  { name: 'headers over 16 KiB', send: get('/admin/x', `X-Big: ${'a'.repeat(17 * 1024)}`), statuses: [431], reason: /RDP_ERR_HEADERS_TOO_LARGE/, upstream: 'nothing' },
  { name: 'many headers adding up over 16 KiB', send: get('/admin/x', ...Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'b'.repeat(100)}`)), statuses: [431], reason: /RDP_ERR_HEADERS_TOO_LARGE/, upstream: 'nothing' },
  { name: 'a 15 KiB header passes', send: get('/admin/x', `X-Fits: ${'c'.repeat(15 * 1024)}`), statuses: [200], upstream: { kind: 'http' } },
  { name: 'Expect other than 100-continue', send: get('/admin/x', 'Expect: teapot'), statuses: [417], upstream: 'nothing' },
  // Two Hosts: which one would the upstream believe?
  { name: 'two Host lines', send: get('/admin/x', 'Host: other.example'), statuses: [400], reason: /RDP_ERR_BAD_REQUEST: .*Host/, upstream: 'nothing' },
  { name: 'two equal Host lines', send: get('/admin/x', 'Host: $host'), statuses: [400], reason: /RDP_ERR_BAD_REQUEST: .*Host/, upstream: 'nothing' },
  { name: 'two Host lines on a WebSocket handshake', send: ws('/admin/ws', 'Host: other.example'), statuses: [400], reason: /RDP_ERR_BAD_REQUEST: .*Host/, upstream: 'nothing' },
  // Framing: smuggling shapes and transfer codings
  { name: 'Content-Length and Transfer-Encoding', send: post('/admin/x', ['Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\nGET /admin/smuggled HTTP/1.1\r\nHost: x\r\n\r\n'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'two different Content-Length values', send: post('/admin/x', ['Content-Length: 5', 'Content-Length: 6'], 'hello!'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a Content-Length list with different values', send: post('/admin/x', ['Content-Length: 5, 6'], 'hello!'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a negative Content-Length', send: post('/admin/x', ['Content-Length: -5'], 'hello'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a Content-Length with a plus sign', send: post('/admin/x', ['Content-Length: +5'], 'hello'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'Transfer-Encoding not ending in chunked', send: post('/admin/x', ['Transfer-Encoding: chunked, identity'], '0\r\n\r\n'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'Transfer-Encoding: gzip, chunked', send: post('/admin/x', ['Transfer-Encoding: gzip, chunked'], '5\r\nhello\r\n0\r\n\r\n'), statuses: [501], reason: /^501 RDP_ERR_TRANSFER_CODING: .*gzip/, upstream: 'nothing' },
  { name: 'an unknown coding before chunked', send: post('/admin/x', ['Transfer-Encoding: x-custom , chunked'], '0\r\n\r\n'), statuses: [501], reason: /x-custom/, upstream: 'nothing' },
  { name: 'gzip and chunked on two lines', send: post('/admin/x', ['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], '0\r\n\r\n'), statuses: [501], reason: /gzip/, upstream: 'nothing' },
  { name: 'chunked twice', send: post('/admin/x', ['Transfer-Encoding: chunked, chunked'], '0\r\n\r\n'), statuses: [400], reason: /RDP_ERR_BAD_REQUEST: .*Transfer-Encoding/, upstream: 'nothing' },
  { name: 'a chunk size that overflows', send: post('/admin/x', ['Transfer-Encoding: chunked'], 'fffffffffffffffff\r\nhello\r\n0\r\n\r\n'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'a plain Content-Length body', send: post('/admin/x', ['Content-Length: 5'], 'hello'), statuses: [200], upstream: { kind: 'http', has: { 'content-length': '5' }, body: 'hello' } },
  { name: 'a chunked body', send: post('/admin/x', ['Transfer-Encoding: Chunked'], '5\r\nhello\r\n0\r\n\r\n'), statuses: [200], upstream: { kind: 'http', body: 'hello' } },
  // Header rules the client must not be able to bend
  { name: 'Connection naming Host', send: get('/admin/x', 'Connection: host'), statuses: [200], upstream: { has: { host: '$host' } } },
  { name: 'Connection naming Cookie', send: get('/admin/x', 'Cookie: sessionid=abc', 'Connection: cookie'), statuses: [200], upstream: { has: { cookie: 'sessionid=abc' } } },
  { name: 'Connection naming Authorization', send: get('/admin/x', 'Authorization: Basic eDp5', 'Connection: Authorization'), statuses: [200], upstream: { has: { authorization: 'Basic eDp5' } } },
  { name: 'Connection naming Content-Length', send: post('/admin/x', ['Content-Length: 5', 'Connection: content-length'], 'hello'), statuses: [200], upstream: { has: { 'content-length': '5' }, lacks: ['transfer-encoding'], body: 'hello' } },
  { name: 'Connection naming a custom header drops it', send: get('/admin/x', 'X-Hop: 1', 'Connection: x-hop'), statuses: [200], upstream: { lacks: ['x-hop'] } },
  { name: 'hop-by-hop headers are dropped', send: get('/admin/x', 'Keep-Alive: timeout=5', 'TE: trailers', 'Trailer: X-T', 'Proxy-Authorization: Basic eDp5'), statuses: [200], upstream: { lacks: ['keep-alive', 'te', 'trailer', 'proxy-authorization'] } },
  { name: "a client's Forwarded is replaced", send: get('/admin/x', 'Forwarded: for=10.9.9.9;proto=https;host=evil.example'), statuses: [200], upstream: { has: { forwarded: 'for=127.0.0.1;host="$host";proto=http' } } },
  { name: "a client's X-Forwarded-* are replaced", send: get('/admin/x', 'X-Forwarded-For: 10.9.9.9', 'X-Forwarded-Proto: https', 'X-Forwarded-Host: evil.example'), statuses: [200], upstream: { has: { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': '$host' } } },
  { name: "--trust-proxy: a client's Forwarded is appended to", send: get('/admin/x', 'Forwarded: for=10.9.9.9;proto=https', 'Forwarded: for=10.8.8.8'), statuses: [200], upstream: { has: { forwarded: 'for=10.9.9.9;proto=https, for=10.8.8.8, for=127.0.0.1;host="$host";proto=http' } }, flags: TRUST },
  { name: "--trust-proxy: a client's X-Forwarded-For is appended to", send: get('/admin/x', 'X-Forwarded-For: 10.9.9.9'), statuses: [200], upstream: { has: { 'x-forwarded-for': '10.9.9.9, 127.0.0.1' } }, flags: TRUST },
  { name: 'Expect: 100-continue is answered by the proxy', send: post('/admin/x', ['Content-Length: 5', 'Expect: 100-continue'], 'hello'), statuses: [100, 200], upstream: { lacks: ['expect'], body: 'hello' } },
  // WebSocket handshakes
  { name: 'a WebSocket handshake', send: ws('/admin/ws'), statuses: [101], headOnly: true, upstream: { kind: 'upgrade', has: { host: '$host', upgrade: 'websocket' } } },
  { name: 'a handshake with Content-Length: 0', send: ws('/admin/ws', 'Content-Length: 0'), statuses: [101], headOnly: true, upstream: { kind: 'upgrade' } },
  { name: 'a handshake with a body', send: ws('/admin/ws', 'Content-Length: 5') + 'hello', statuses: [400], reason: /RDP_ERR_BAD_REQUEST: .*body/, upstream: 'nothing' },
  { name: 'a handshake with a chunked body', send: ws('/admin/ws', 'Transfer-Encoding: chunked') + '5\r\nhello\r\n0\r\n\r\n', statuses: [400], reason: /RDP_ERR_BAD_REQUEST: .*body/, upstream: 'nothing' },
  { name: 'Connection naming Host on a handshake', send: ws('/admin/ws', 'Connection: host'), statuses: [101], headOnly: true, upstream: { kind: 'upgrade', has: { host: '$host' } } },
  { name: 'an h2c upgrade', send: req('GET /admin/x HTTP/1.1', 'Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA'), statuses: [400], reason: /h2c.*WebSocket/, upstream: 'nothing' },
  // Upstreams that answer oddly
  { name: '103 Early Hints, then the response', send: get('/admin/early-hints'), statuses: [103, 200], upstream: { kind: 'http' } },
  { name: '103 Early Hints to an HTTP/1.0 client: only the response', send: req('GET /admin/early-hints HTTP/1.0'), statuses: [200], upstream: { kind: 'http' } },
  { name: 'event-stream headers before the first event', send: get('/admin/event-stream'), statuses: [200], headOnly: true, upstream: { kind: 'http' } },
  { name: 'a silent upstream answering no handshake, --upgrade-timeout', send: ws('/admin/silent'), statuses: [504], reason: /no answer within 500 ms \(--upgrade-timeout\)[^]*RDP_ERR_UPSTREAM_TIMEOUT/, upstream: { kind: 'upgrade' }, flags: ['--upgrade-timeout', '500'] },
  { name: 'a silent upstream with --response-timeout', send: get('/admin/silent'), statuses: [504], reason: /no response within 500 ms \(--response-timeout\)[^]*RDP_ERR_UPSTREAM_TIMEOUT/, upstream: { kind: 'http' }, flags: ['--response-timeout', '500'] },
  // The proxy's own refusals
  { name: 'CONNECT', send: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', statuses: [405], reason: /CONNECT/, upstream: 'nothing' },
  { name: 'an asterisk-form GET', send: get('*'), statuses: [400], reason: /RDP_ERR_BAD_TARGET/, upstream: 'nothing' },
  { name: 'an authority-form GET', send: get('example.com:80'), statuses: [400], reason: BAD, upstream: 'nothing' },
  { name: 'OPTIONS *', send: req('OPTIONS * HTTP/1.1', 'Connection: close'), statuses: [400], reason: /RDP_ERR_BAD_TARGET/, upstream: 'nothing' },
  { name: 'an https absolute-form target goes by its path', send: get('https://other.example/admin/x?q=1'), statuses: [200], upstream: { url: '/admin/x?q=1', has: { host: '$host' } } },
  { name: 'POST on a frontend path', send: post('/page', ['Content-Length: 0'], ''), statuses: [405], reason: /RDP_ERR_METHOD_NOT_ALLOWED/, upstream: 'nothing' },
  { name: 'two pipelined requests', send: req('GET /admin/one HTTP/1.1') + get('/admin/two'), statuses: [200, 200], upstream: { kind: 'http' } },
];

const BASE_FLAGS = ['--django-prefix', '/admin', '--hold-timeout', '1000'];

function checkReceived(t: Test, upstream: FaultyUpstream, seen: readonly Arrival[], expected: Row['upstream'], host: string): void {
  if (expected === 'nothing') {
    t.same(seen.map((arrival) => `${arrival.method} ${arrival.url}`), [], 'nothing reached the upstream');
    return;
  }
  t.ok(seen.length >= 1, 'the upstream received the request');
  const arrival = seen[0];
  if (arrival === undefined) return;
  if (expected.kind !== undefined) t.equal(arrival.kind, expected.kind);
  if (expected.url !== undefined) t.equal(arrival.url, expected.url);
  for (const [name, value] of Object.entries(expected.has ?? {})) {
    const want = (Array.isArray(value) ? value : [value]).map((line: string) => line.replaceAll('$host', host));
    t.same(upstream.lines(arrival, name), want, `upstream got ${name}: ${want.join(' | ')}`);
  }
  for (const name of expected.lacks ?? []) t.same(upstream.lines(arrival, name), [], `upstream got no ${name}`);
  if (expected.body !== undefined) t.equal(arrival.body, expected.body, 'the body the upstream got');
}

function checkAnswer(t: Test, row: Row, answer: RawAnswer): void {
  t.same(answer.heads.map((head) => head.status), row.statuses, `status lines: ${answer.heads.map((head) => head.text.split(CRLF)[0]).join(' | ') || '(none)'}`);
  if (row.reason !== undefined) t.match(answer.body, row.reason, `the reason: ${JSON.stringify(answer.body.slice(0, 200))}`);
}

t.test('the bad-input table', async (t) => {
  const upstream = await startFaultyUpstream(t);
  const proxies = new Map<string, RunningProxy>();
  const proxyFor = async (flags: readonly string[]): Promise<RunningProxy> => {
    const key = flags.join(' ');
    let proxy = proxies.get(key);
    if (proxy === undefined) {
      proxy = await startProxy(t, [
        '--django-url', upstream.url, '--reflex-backend-url', upstream.url, '--reflex-frontend-url', upstream.url, ...BASE_FLAGS, ...flags,
      ]);
      proxies.set(key, proxy);
    }
    return proxy;
  };
  let probes = 0;

  for (const row of ROWS) {
    await t.test(row.name, async (t) => {
      const proxy = await proxyFor(row.flags ?? []);
      const host = `127.0.0.1:${proxy.port}`;
      const from = upstream.arrivals.length;
      const answer = await raw(proxy.port, typeof row.send === 'string' ? row.send.replaceAll('$host', host) : row.send.map((part) => part.replaceAll('$host', host)), { untilFinalHead: row.headOnly === true });
      checkAnswer(t, row, answer);
      // A normal request afterwards: it goes through, and it is the last thing the upstream saw.
      const probe = `/admin/probe-${++probes}`;
      const res = await request(`${proxy.url}${probe}`, { timeoutMs: 5000 });
      t.equal(res.status, 200, 'a normal request still works afterwards');
      const seen = upstream.arrivals.slice(from);
      t.equal(seen.at(-1)?.url, probe, 'the probe arrived last');
      checkReceived(t, upstream, seen.slice(0, -1), row.upstream, host);
      t.notOk(proxy.process.hasExited(), 'the proxy is still running');
    });
  }
  t.comment(`${ROWS.length} cases`);
});
