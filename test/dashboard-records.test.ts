// What the dashboard keeps, as pure logic: the bounded ring, the request and socket logs built on
// it, and the header view that never shows a cookie's value or a credential.
import t from 'tap';
import { cookieNamesIn, setCookieNameOf, visibleHeaders } from '../src/status/header-view.js';
import { type ExchangeRecord, REQUESTS_KEPT, RequestLog } from '../src/status/request-log.js';
import { Ring } from '../src/status/ring.js';
import { CLOSED_SOCKETS_KEPT, type SocketHandshake, SocketLog } from '../src/status/socket-log.js';

t.test('a ring keeps the newest entries, numbered in arrival order', async (t) => {
  const ring = new Ring<string>(3);
  t.equal(ring.lastId, -1);
  t.same(ring.newest(), []);
  for (const word of ['a', 'b', 'c', 'd', 'e']) ring.push(word);
  t.equal(ring.lastId, 4);
  t.same(ring.newest().map(({ id, entry }) => `${id}${entry}`), ['4e', '3d', '2c'], 'newest first, the oldest two gone');
  t.same(ring.newest(2).map(({ entry }) => entry), ['e', 'd'], 'only those after an id');
  t.same(ring.newest(-1, 1).map(({ entry }) => entry), ['e'], 'a limit');
  t.equal(ring.get(1), undefined, 'an entry that fell out');
  t.equal(ring.get(3), 'd');
  t.equal(ring.get(5), undefined, 'one not yet there');
  t.equal(ring.get(2.5), undefined);
});

const SECRET = 'k3y-VALUE-never-shown';

function exchange(overrides: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    startedAt: 1_700_000_000_000,
    method: 'GET',
    target: '/admin/',
    upstream: 'django',
    rule: 3,
    prefix: '/admin',
    status: 302,
    durationMs: 4.2,
    requestHeaders: ['Host', 'localhost:8000', 'Cookie', `csrftoken=${SECRET}; sessionid=${SECRET}`, 'Authorization', `Basic ${SECRET}`],
    responseHead: `HTTP/1.1 302 Found\r\nLocation: /admin/login/\r\nContent-Length: 0\r\nSet-Cookie: sessionid=${SECRET}; Path=/; HttpOnly; SameSite=Lax\r\nset-cookie: messages=${SECRET}\r\n\r\n`,
    ...overrides,
  };
}

t.test('the request log: summaries newest first, details with names only, bounded', async (t) => {
  const log = new RequestLog();
  log.record(exchange());
  log.record(exchange({ target: '/', upstream: 'frontend', rule: 4, prefix: null, status: 200 }));
  t.same(log.summaries().map((entry) => `${entry.id} ${entry.path} ${entry.target} ${entry.rule}`), ['1 / frontend 4', '0 /admin/ django 3']);
  t.same(log.summaries(0).map((entry) => entry.id), [1], 'only the newer ones');
  const detail = log.detail(0)!;
  t.same(detail.cookieNames, ['csrftoken', 'sessionid']);
  t.same(detail.setCookieNames, ['sessionid', 'messages']);
  t.same(detail.requestHeaders, [['Host', 'localhost:8000'], ['Cookie', 'csrftoken=…; sessionid=…'], ['Authorization', 'Basic …']]);
  t.same(detail.responseHeaders, [['Location', '/admin/login/'], ['Content-Length', '0'], ['Set-Cookie', 'sessionid=…; Path=/; HttpOnly; SameSite=Lax'], ['set-cookie', 'messages=…']]);
  t.match(detail, { bytesIn: 0, bytesOut: 0 }, 'bytes from the Content-Lengths (none sent with a GET)');
  log.record(exchange({ method: 'POST', responseHead: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' }));
  t.match(log.summaries()[0], { bytesIn: null, bytesOut: null }, 'unknown for streamed bodies');
  log.record(exchange({ responseHead: undefined, status: 499 }));
  t.same(log.detail(3)?.responseHeaders, [], 'a client that left before the headers: none');
  t.notMatch(JSON.stringify([detail, log.summaries()]), SECRET, 'no value anywhere in what the dashboard is sent');
  for (let i = 0; i < REQUESTS_KEPT + 10; i += 1) log.record(exchange());
  t.equal(log.summaries().length, REQUESTS_KEPT, `at most ${REQUESTS_KEPT} kept`);
  t.equal(log.detail(0), undefined, 'the oldest fell out');
});

t.test('the header view hides every credential, however it is written', async (t) => {
  t.same(cookieNamesIn(' a=1;b=2 ; ;c'), ['a', 'b', 'c']);
  t.equal(setCookieNameOf('sessionid=abc; Path=/'), 'sessionid');
  t.equal(setCookieNameOf('flag'), 'flag');
  t.same(visibleHeaders(['authorization', SECRET, 'COOKIE', `x=${SECRET}`, 'Proxy-Authorization', `Bearer ${SECRET}`]), [
    ['authorization', '…'],
    ['COOKIE', 'x=…'],
    ['Proxy-Authorization', 'Bearer …'],
  ]);
});

t.test('the socket log: open sockets with live bytes, closed ones with who closed, cookie names only', async (t) => {
  const log = new SocketLog();
  const handshake = (target: string): SocketHandshake => ({
    startedAt: Date.now() - 1000,
    target,
    upstream: 'reflex',
    rule: 1,
    prefix: '/_event',
    requestHeaders: ['Cookie', `sessionid=${SECRET}; csrftoken=${SECRET}`],
    protocol: '0.9.8',
  });
  let live = { bytesIn: 10, bytesOut: 20 };
  const before = log.fingerprint();
  const close = log.opened(handshake('/_event/?EIO=4'), () => live);
  t.not(log.fingerprint(), before, 'an open changes the fingerprint');
  const opened = log.fingerprint();
  live = { bytesIn: 11, bytesOut: 20 };
  t.not(log.fingerprint(), opened, 'so do bytes moving');
  t.match(log.list().open, [{ path: '/_event/?EIO=4', status: 101, open: true, bytesIn: 11, cookieNames: ['sessionid', 'csrftoken'], closedBy: null }]);
  close({ endedAt: Date.now(), closeCode: 1000, closedBy: 'client', bytesIn: 12, bytesOut: 30 });
  close({ endedAt: Date.now(), closeCode: 1001, closedBy: 'proxy', bytesIn: 0, bytesOut: 0 });
  const { open, closed } = log.list();
  t.same(open, []);
  t.match(closed, [{ open: false, closeCode: 1000, closedBy: 'client', bytesIn: 12, bytesOut: 30 }], 'closed once, by the first report');
  log.refused(handshake('/_event/?EIO=4&transport=polling'), 400, 'upstream');
  t.match(log.list().closed[0], { status: 400, closedBy: 'upstream', open: false });
  t.notMatch(JSON.stringify(log.list()), SECRET);
  for (let i = 0; i < CLOSED_SOCKETS_KEPT + 5; i += 1) log.refused(handshake('/x'), 404, 'proxy');
  t.equal(log.list().closed.length, CLOSED_SOCKETS_KEPT, `at most ${CLOSED_SOCKETS_KEPT} closed kept`);
});
