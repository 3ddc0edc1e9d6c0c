// `start --https` as users run it: a bad --cert/--key stops it with exit 2 and one line; a second
// start reuses the CA and leaf (no new trust step), a new public host gets a new leaf from the same
// CA; the start prints the CA and the command that trusts it; and the Reflex it supervises is told
// an https REFLEX_API_URL on a host whose port Reflex's client keeps.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import t from 'tap';
import { issueCa, issueLeaf } from '../src/tls/issue.js';
import {
  CLI,
  createTestProject,
  freePort,
  killGroupsOnTeardown,
  localCaDir,
  repoRoot,
  runCli,
  sleep,
  spawnManaged,
  startProxy,
  stopOnTeardown,
  supervisedChildren,
} from './helpers/index.js';

const UPSTREAMS = ['--django-url', 'http://127.0.0.1:9', '--reflex-backend-url', 'http://127.0.0.1:9', '--reflex-frontend-url', 'http://127.0.0.1:9', '--django-prefix', '/admin'];

/** The certificate the proxy serves on `port`, as a client sees it. */
function servedCertificate(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (raw === undefined) reject(new Error('no certificate'));
      else resolve(raw);
    });
    socket.on('error', reject);
  });
}

t.test('--cert/--key that cannot be used: exit 2, one line each, before anything listens', async (t) => {
  const now = new Date();
  const ca = await issueCa(now);
  const good = await issueLeaf(ca, ['localhost', '127.0.0.1', '::1'], now);
  const expired = await issueLeaf(ca, ['localhost', '127.0.0.1', '::1'], new Date(now.getTime() - 500 * 86_400_000));
  const dir = t.testdir({ 'cert.pem': good.cert, 'key.pem': good.key, 'expired.pem': expired.cert, 'expired-key.pem': expired.key, 'a-dir': {} });
  const cases: Array<[string[], RegExp]> = [
    [['--cert', join(dir, 'missing.pem'), '--key', join(dir, 'key.pem')], /^reflex-django-proxy: --cert: .*missing\.pem does not exist; .*\[RDP_ERR_CERTIFICATE\]$/],
    [['--cert', join(dir, 'a-dir'), '--key', join(dir, 'key.pem')], /^reflex-django-proxy: --cert: .*a-dir cannot be read \(EISDIR\); .*\[RDP_ERR_CERTIFICATE\]$/],
    [['--cert', join(dir, 'cert.pem'), '--key', join(dir, 'expired-key.pem')], /^reflex-django-proxy: --cert and --key do not match: .*\[RDP_ERR_CERTIFICATE\]$/],
    [['--cert', join(dir, 'expired.pem'), '--key', join(dir, 'expired-key.pem')], /^reflex-django-proxy: --cert: .*expired\.pem expired on \d{4}-\d\d-\d\d; .*\[RDP_ERR_CERTIFICATE\]$/],
    [['--cert', join(dir, 'cert.pem')], /^reflex-django-proxy: --cert given without --key: give both .*\[RDP_ERR_MISSING_OPTION\]$/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(t, [...args, ...UPSTREAMS, '--port', '0', '--log-format', 'json']);
    const label = args.map((arg) => arg.replace(dir, '…')).join(' ');
    t.equal(result.code, 2, `${label}: exit 2`);
    t.match(result.stderr.trim(), message, label);
    t.equal(result.stderr.trim().split('\n').length, 1, `${label}: one line`);
    t.equal(result.stdout, '', `${label}: nothing listened (no log record)`);
  }
});

t.test('a usable --cert/--key pair is served as given; one that does not name the public host is served with a warning', async (t) => {
  const now = new Date();
  const ca = await issueCa(now);
  const leaf = await issueLeaf(ca, ['localhost', '127.0.0.1', '::1'], now);
  const dir = t.testdir({ 'cert.pem': leaf.cert, 'key.pem': leaf.key });
  const proxy = await startProxy(t, ['--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'), '--public-url', 'https://app.example.test:8443', ...UPSTREAMS]);
  t.match(proxy.url, /^https:/, '--cert and --key turn --https on');
  const notice = await proxy.waitForLog((record) => record.msg === 'https with --cert');
  t.match(notice.warnings, [/--cert .*cert\.pem does not name app\.example\.test .*browsers will refuse it on https:\/\/app\.example\.test:8443/]);
  t.equal((await servedCertificate(proxy.port, ca.cert)).fingerprint256, new X509Certificate(leaf.cert).fingerprint256, 'the given certificate is served');
});

t.test('a second start reuses the CA and its leaf; a new public host gets a new leaf from the same CA', async (t) => {
  const tls = await localCaDir(t);
  const env = { XDG_CACHE_HOME: tls.xdgCacheHome };
  const notice = (proxy: Awaited<ReturnType<typeof startProxy>>) => proxy.waitForLog((record) => record.msg === 'https with the local CA');

  const first = await startProxy(t, ['--https', ...UPSTREAMS], { env });
  t.match(await notice(first), { caCreated: true, leafCreated: true, caPath: tls.caPath, trust: [{ trustedBy: /Chrome/, command: /certutil -d sql:\$HOME\/\.pki\/nssdb -A -t C,, / }] });
  const ca = tls.ca();
  const served = await servedCertificate(first.port, ca);
  await first.stop();

  const second = await startProxy(t, ['--https', ...UPSTREAMS], { env });
  t.match(await notice(second), { caCreated: false, leafCreated: false }, 'nothing made: no new trust prompt');
  t.equal((await servedCertificate(second.port, ca)).fingerprint256, served.fingerprint256, 'the same leaf is served');
  t.equal(tls.ca(), ca, 'the same CA');
  await second.stop();

  const renamed = await startProxy(t, ['--https', '--public-url', 'https://app.localhost:8443', ...UPSTREAMS], { env });
  t.match(await notice(renamed), { caCreated: false, leafCreated: true });
  const leaf = await servedCertificate(renamed.port, ca);
  t.not(leaf.fingerprint256, served.fingerprint256, 'a new leaf');
  t.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:app.localhost');
  t.ok(leaf.checkIssued(new X509Certificate(ca)), 'signed by the same CA');
  t.equal(tls.ca(), ca);
});

t.test('on a terminal, the start prints the CA and the command that trusts it', async (t) => {
  const tls = await localCaDir(t);
  const proxy = spawnManaged('proxy', process.execPath, [CLI, '--https', ...UPSTREAMS, '--port', '0', '--log-format', 'pretty'], {
    cwd: repoRoot,
    env: { ...process.env, XDG_CACHE_HOME: tls.xdgCacheHome, HOME: '/home/someone' },
  });
  stopOnTeardown(t, proxy);
  const deadline = Date.now() + 15_000;
  while (!proxy.output().includes('update-ca-certificates') && Date.now() < deadline && !proxy.hasExited()) await sleep(50);
  const text = proxy.output();
  t.match(text, 'HTTPS (HTTP/2 and HTTP/1.1) with the local CA (made now: trust it once with the command for your browser)');
  t.match(text, `CA     ${tls.caPath}`);
  t.match(text, `certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n 'reflex-django-proxy local CA' -i ${tls.caPath}`);
  t.match(text, `sudo cp ${tls.caPath} /usr/local/share/ca-certificates/reflex-django-proxy.crt && sudo update-ca-certificates`);
});

t.test('the supervised Reflex gets an https REFLEX_API_URL on 127.0.0.1, and the start says why', async (t) => {
  const tls = await localCaDir(t);
  for (const [publicUrl, apiUrl] of [
    [undefined, undefined],
    ['https://localhost:8443', 'https://127.0.0.1:8443'],
  ] as const) {
    const project = await createTestProject(t);
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const groups = new Set<number>();
    killGroupsOnTeardown(t, () => groups);
    const proxy = await startProxy(
      t,
      ['--https', '--project', project.dir, '--django-port', String(ports[0]), '--reflex-backend-port', String(ports[1]), '--reflex-frontend-port', String(ports[2]), ...(publicUrl === undefined ? [] : ['--public-url', publicUrl])],
      { env: { ...project.env, XDG_CACHE_HOME: tls.xdgCacheHome } },
    );
    await proxy.waitForLog((record) => record.msg === 'ready', 90_000);
    const children = supervisedChildren(proxy.pid);
    for (const child of [children.django, children.reflex]) if (child) groups.add(child.pgid);
    const expected = apiUrl ?? `https://127.0.0.1:${proxy.port}`;
    const envJson = JSON.parse(await readFile(project.envJsonPath!, 'utf8')) as Record<string, string>;
    // Reflex writes the socket's URL with its ws scheme: wss for an https API URL.
    t.equal(envJson.EVENT, `${expected.replace(/^http/, 'ws')}/_event`, `${publicUrl ?? 'default'}: env.json's socket keeps its port`);
    const notice = await proxy.waitForLog((record) => record.msg === 'https with the local CA');
    t.equal(notice.reflexApiUrl, expected);
    if (publicUrl === undefined) {
      t.match(notice.reflex, "127.0.0.1, not localhost, because Reflex's browser client drops the port of a localhost API URL on an https page");
    } else {
      t.equal(notice.openInstead, apiUrl);
      t.match(notice.reflex, `open ${apiUrl}, not ${publicUrl}: `);
    }
    await proxy.stop();
  }
});

