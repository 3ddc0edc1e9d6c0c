// /__rdp/ against DNS rebinding (the attack behind Vite's CVE-2025-24010): a page on any site can
// make the developer's browser send requests to the loopback proxy under a name of its own, so
// everything under /__rdp/ answers only the proxy's own Host names, and the verify runner also
// wants a same-origin Origin and the token of the page the proxy served. Proxied traffic is not
// affected. All through the real CLI, from loopback.
import { connect } from 'node:net';
import t from 'tap';
import { freePort, request, startProxy } from './helpers/index.js';
import { startRecorder, UPSTREAM_HEADER } from './helpers/recorder.js';

const PUBLIC = 'devbox.test:9443';

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

t.test('/__rdp/ answers only the proxy\'s own Host names', async (t) => {
  const [django, reflex, frontend] = await Promise.all([startRecorder(t, 'django'), startRecorder(t, 'reflex'), startRecorder(t, 'frontend')]);
  const password = `pw-${process.pid}-never-logged`;
  const proxy = await startProxy(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', frontend.url, '--public-url', `https://${PUBLIC}`]);
  const at = (path: string, headers: Record<string, string> = {}, method = 'GET') => request(`${proxy.url}${path}`, { method, headers, timeoutMs: 10_000 });

  t.test('a foreign Host is refused on every endpoint, with the reason', async (t) => {
    for (const path of ['/__rdp/', '/__rdp/events', '/__rdp/health', '/__rdp/requests', '/__rdp/upgrades', '/__rdp/dashboard/app.js', '/__rdp/nope']) {
      const answer = await at(path, { Host: `attacker.example:${proxy.port}` });
      t.equal(answer.status, 403, `${path}: 403`);
      t.match(answer.text(), /RDP_ERR_STATUS_HOST: Host "attacker\.example:\d+" is not this proxy's own name .*DNS rebinding/, `${path}: the reason`);
      t.notMatch(answer.headers['content-type'], /event-stream/, `${path}: no stream opened`);
    }
    const verify = await at('/__rdp/verify', { Host: 'attacker.example', Origin: 'http://attacker.example', 'Content-Type': 'application/json' }, 'POST');
    t.equal(verify.status, 403, 'the verify runner too');
    t.match(verify.text(), /RDP_ERR_STATUS_HOST/);
  });

  t.test('own names pass: localhost on the bound port, the public URL\'s host, and IP addresses (they cannot be rebound)', async (t) => {
    for (const host of [`localhost:${proxy.port}`, `LOCALHOST:${proxy.port}`, PUBLIC, `127.0.0.1:${proxy.port}`, `[::1]:${proxy.port}`, '127.0.0.1:8080', '[::1]', '198.51.100.7:80']) {
      t.equal((await at('/__rdp/routes', { Host: host })).status, 200, host);
    }
    for (const host of ['localhost', `localhost:${await freePort()}`, 'devbox.test', `${PUBLIC}.attacker.example`, `localhost.:${proxy.port}`, `127.0.0.1.nip.io:${proxy.port}`, '[::1].attacker.example']) {
      t.equal((await at('/__rdp/routes', { Host: host })).status, 403, `${host} is not one`);
    }
    const noHost = await rawRequest(proxy.port, 'GET /__rdp/routes HTTP/1.0\r\n\r\n');
    t.match(noHost, /^HTTP\/1\.1 403 [^]*RDP_ERR_STATUS_HOST: a request without a Host header/, 'no Host at all');
  });

  t.test('proxied traffic is not affected by the Host rule', async (t) => {
    const answer = await at('/admin/', { Host: 'attacker.example' });
    t.equal(answer.status, 200);
    t.equal(answer.headers[UPSTREAM_HEADER], 'django', 'forwarded as always (Django decides about Host)');
  });

  t.test('the verify runner wants this page\'s Origin and token', async (t) => {
    const page = await at('/__rdp/');
    t.equal(page.status, 200);
    t.match(page.headers['content-security-policy'], /default-src 'none'/, 'the page may load nothing from elsewhere');
    const token = /<meta name="rdp-token" content="([^"]+)">/.exec(page.text())?.[1] ?? '';
    t.ok(token.length >= 32, 'the page carries a token');
    t.equal((await at('/__rdp/')).text().includes(token), true, 'one token per process');
    const origin = proxy.url;
    const body = JSON.stringify({ username: 'admin', password });
    const post = (headers: Record<string, string>) => request(`${proxy.url}/__rdp/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body, timeoutMs: 60_000 });
    for (const [what, headers] of [
      ['a cross-origin Origin', { Origin: 'http://attacker.example', 'X-RDP-Token': token }],
      ['no Origin', { 'X-RDP-Token': token }],
      ['no token', { Origin: origin }],
      ['a wrong token', { Origin: origin, 'X-RDP-Token': `${token.slice(1)}x` }],
      ['the public origin from a loopback page', { Origin: `https://${PUBLIC}`, 'X-RDP-Token': token }],
    ] as Array<[string, Record<string, string>]>) {
      const refused = await post(headers);
      t.equal(refused.status, 403, `${what}: 403`);
      t.match(refused.text(), /RDP_ERR_STATUS_ACTION: .*only the dashboard the proxy served may run verify/, `${what}: the reason`);
    }
    const half = await request(`${proxy.url}/__rdp/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin, 'X-RDP-Token': token }, body: JSON.stringify({ username: 'admin' }) });
    t.equal(half.status, 400, 'a username without a password');
    t.match(half.text(), /give both username and password, or neither/);

    const run = await post({ Origin: origin, 'X-RDP-Token': token, Accept: 'application/x-ndjson' });
    t.equal(run.status, 200, 'this page, this token: verify runs');
    t.match(run.headers['content-type'], /^application\/x-ndjson/);
    const lines = run.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    t.same(lines.slice(0, -1).map((check) => check.id), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'every check, in order, as it finished');
    t.match(lines.at(-1), { summary: { passed: Number, failed: Number, warned: Number, skipped: Number } });
    t.notMatch(proxy.process.output(), password, 'the password is in no log line');
    t.notMatch(run.text(), password, 'nor in what the page is sent');
  });
});
