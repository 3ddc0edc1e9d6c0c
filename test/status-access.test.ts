// /__rdp/ answers loopback clients only, unless --expose-status. A non-loopback client is made for
// real: a network namespace of this test's own, joined to ours by a veth pair on TEST-NET-2
// addresses (RFC 5737), so the proxy sees 198.51.100.2 as the peer. Nothing leaves the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import t from 'tap';
import { freePort, startProxy } from './helpers/index.js';

const HOST_SIDE = '198.51.100.1';
const NAMESPACE_SIDE = '198.51.100.2';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** GET from inside the namespace: status and body, or the error. */
function getFromNamespace(namespace: string, url: string): { status: number; body: string } {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(e.message); process.exit(1); })`;
  const result = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], { encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) throw new Error(`fetch from the namespace failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { status: number; body: string };
}

t.test('/__rdp/ from a non-loopback client', async (t) => {
  const namespace = `rdp-${process.pid}`;
  const hostVeth = `rdp${process.pid}a`.slice(0, 15);
  const namespaceVeth = `rdp${process.pid}b`.slice(0, 15);
  t.teardown(() => {
    spawnSync('ip', ['link', 'del', hostVeth]);
    spawnSync('ip', ['netns', 'del', namespace]);
  });
  // The pair must not shadow a network this machine already uses (its own interfaces, its gateway).
  const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
  t.notMatch(routes, /^198\.51\.100\./m, 'the test network is not one this machine uses');
  ip('netns', 'add', namespace);
  ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', namespaceVeth);
  ip('link', 'set', namespaceVeth, 'netns', namespace);
  ip('addr', 'add', `${HOST_SIDE}/30`, 'dev', hostVeth);
  ip('link', 'set', hostVeth, 'up');
  ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${NAMESPACE_SIDE}/30`, 'dev', namespaceVeth);
  ip('netns', 'exec', namespace, 'ip', 'link', 'set', namespaceVeth, 'up');

  const unused = `http://127.0.0.1:${await freePort()}`;
  const upstreams = ['--django-url', unused, '--reflex-backend-url', unused, '--reflex-frontend-url', unused, '--hold-timeout', '100'];
  const closed = await startProxy(t, ['--host', '0.0.0.0', ...upstreams]);
  const exposed = await startProxy(t, ['--host', '0.0.0.0', '--expose-status', ...upstreams]);

  const refused = getFromNamespace(namespace, `http://${HOST_SIDE}:${closed.port}/__rdp/health`);
  t.equal(refused.status, 403, 'a non-loopback client is refused');
  t.match(refused.body, /RDP_ERR_STATUS_FORBIDDEN.*loopback clients only.*--expose-status/s, 'with the reason and the flag');
  const proxied = getFromNamespace(namespace, `http://${HOST_SIDE}:${closed.port}/some/page`);
  t.equal(proxied.status, 503, 'the same client is proxied as usual (the upstream is down: 503 after the hold)');

  const answered = getFromNamespace(namespace, `http://${HOST_SIDE}:${exposed.port}/__rdp/health`);
  t.equal(answered.status, 503, '--expose-status answers it (503: every upstream is down)');
  t.match(JSON.parse(answered.body), { status: 'down', upstreams: [{ name: 'django', state: 'down' }] });

  const local = await fetch(`http://127.0.0.1:${closed.port}/__rdp/routes`);
  t.equal(local.status, 200, 'loopback clients are answered without --expose-status');
});
