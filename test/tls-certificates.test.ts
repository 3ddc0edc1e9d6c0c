// --https's certificates: the local CA made once in the cache directory and reused, the leaf made
// again when the names change or it nears expiry, both checked by OpenSSL and by a real TLS
// handshake; and a --cert/--key pair refused, one line each, for every way it can be unusable.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { join } from 'node:path';
import t from 'tap';
import { RdpError } from '../src/errors.js';
import { certificateDir, CA_CERT_FILE } from '../src/tls/cache-dir.js';
import { certificateHosts } from '../src/tls/hosts.js';
import { issueCa, issueLeaf } from '../src/tls/issue.js';
import { localCertificate } from '../src/tls/local-ca.js';
import { trustCommands } from '../src/tls/trust-commands.js';
import { loadCertificatePair } from '../src/tls/user-pair.js';

const DAY = 86_400_000;
const HOSTS = certificateHosts('https://127.0.0.1:8000');

t.test('the cache directory of each platform', async (t) => {
  t.equal(certificateDir({ XDG_CACHE_HOME: '/x/cache' }, 'linux', '/home/u'), '/x/cache/reflex-django-proxy/tls');
  t.equal(certificateDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u'), '/home/u/.cache/reflex-django-proxy/tls', 'a relative XDG_CACHE_HOME is ignored, as the spec says');
  t.equal(certificateDir({}, 'freebsd', '/home/u'), '/home/u/.cache/reflex-django-proxy/tls');
  t.equal(certificateDir({ XDG_CACHE_HOME: '/x' }, 'darwin', '/Users/u'), '/Users/u/Library/Caches/reflex-django-proxy/tls');
  t.equal(certificateDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\reflex-django-proxy\\tls');
  t.same(certificateHosts('https://app.example.test:8443'), ['localhost', '127.0.0.1', '::1', 'app.example.test']);
  t.same(certificateHosts('https://[::1]:8443'), ['localhost', '127.0.0.1', '::1'], 'IPv6 without brackets, once');
});

t.test('the trust command names the CA file on each platform', async (t) => {
  for (const platform of ['linux', 'darwin', 'win32'] as const) {
    const commands = trustCommands('/cache/tls/ca.pem', platform);
    t.ok(commands.length > 0, platform);
    for (const { command, trustedBy } of commands) {
      t.match(command, 'ca.pem', `${platform}: ${trustedBy}`);
      t.notMatch(command, '\n', 'one line');
    }
  }
  t.match(trustCommands('/c/ca.pem', 'linux')[0]!.command, "certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n 'reflex-django-proxy local CA' -i /c/ca.pem");
  t.match(trustCommands('/c/ca.pem', 'darwin')[0]!.command, 'security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain /c/ca.pem');
  t.match(trustCommands('C:\\c\\ca.pem', 'win32')[0]!.command, 'certutil -user -addstore Root "C:\\c\\ca.pem"');
  t.match(trustCommands('/a dir/ca.pem', 'linux')[0]!.command, "-i '/a dir/ca.pem'", 'a path with a space is quoted');
});

/** Serves `cert`/`key` on 127.0.0.1 and GETs it as `name`, trusting only `ca`: resolves the status. */
async function handshake(cert: string, key: string, ca: string, name: string): Promise<number> {
  const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = get(
        {
          host: '127.0.0.1',
          port,
          ca,
          agent: false,
          // SNI carries names only; the identity check is the one every client makes, for `name`.
          ...(isIP(name) === 0 ? { servername: name } : {}),
          checkServerIdentity: (_host, peer) => checkServerIdentity(name, peer),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
    });
  } finally {
    server.close();
  }
}

t.test('the local CA: made once, reused, a new leaf for new names or near expiry', async (t) => {
  const dir = join(t.testdir(), 'cache', 'tls');
  const now = new Date();
  const first = await localCertificate(dir, HOSTS, now);
  t.match(first, { caCreated: true, leafCreated: true, caPath: join(dir, CA_CERT_FILE) });
  t.equal(statSync(dir).mode & 0o777, 0o700, 'the directory is private');
  t.equal(statSync(join(dir, 'ca-key.pem')).mode & 0o777, 0o600, "the CA's key is readable by its owner only");
  t.equal(statSync(join(dir, 'localhost-key.pem')).mode & 0o777, 0o600);
  const ca = readFileSync(first.caPath, 'utf8');
  t.equal(execFileSync('openssl', ['verify', '-CAfile', first.caPath, '-purpose', 'sslserver', first.leafPath], { encoding: 'utf8' }).trim(), `${first.leafPath}: OK`, 'OpenSSL accepts the chain for a TLS server');
  const leaf = new X509Certificate(first.cert);
  t.equal(new X509Certificate(ca).ca, true);
  t.equal(leaf.ca, false);
  t.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  t.ok(new Date(leaf.validTo).getTime() - now.getTime() < 398 * DAY, 'under the browsers\' 398-day ceiling');
  for (const name of HOSTS) t.equal(await handshake(first.cert, first.key, ca, name), 200, `a TLS client trusting only the CA accepts ${name}`);
  await t.rejects(handshake(first.cert, first.key, ca, 'app.example.test'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'a name it does not carry is refused');
  const untrusted = handshake(first.cert, first.key, readFileSync(join(dir, 'localhost.pem'), 'utf8'), 'localhost');
  await t.rejects(untrusted, { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'without the CA the leaf is not trusted');

  const again = await localCertificate(dir, HOSTS, new Date(now.getTime() + 60_000));
  t.match(again, { caCreated: false, leafCreated: false, cert: first.cert, key: first.key }, 'a second start reuses both');
  t.equal(readFileSync(again.caPath, 'utf8'), ca);

  const renamed = await localCertificate(dir, certificateHosts('https://app.example.test:8443'), now);
  t.match(renamed, { caCreated: false, leafCreated: true }, 'a new public host: a new leaf from the same CA');
  t.not(renamed.cert, first.cert);
  t.equal(readFileSync(renamed.caPath, 'utf8'), ca, 'the CA is unchanged: no new trust step');
  const renamedLeaf = new X509Certificate(renamed.cert);
  t.ok(renamedLeaf.checkIssued(new X509Certificate(ca)) && renamedLeaf.verify(new X509Certificate(ca).publicKey));
  t.equal(await handshake(renamed.cert, renamed.key, ca, 'app.example.test'), 200);
  t.match(await localCertificate(dir, HOSTS, now), { caCreated: false, leafCreated: true }, 'fewer names: made again too');

  const nearExpiry = new Date(new Date(leaf.validTo).getTime() - 10 * DAY);
  const renewed = await localCertificate(dir, HOSTS, nearExpiry);
  t.match(renewed, { caCreated: false, leafCreated: true }, 'ten days before the leaf expires it is made again');
  t.ok(new Date(renewed.notAfter).getTime() > nearExpiry.getTime() + 300 * DAY);

  const caNearExpiry = new Date(new Date(new X509Certificate(ca).validTo).getTime() - 10 * DAY);
  t.match(await localCertificate(dir, HOSTS, caNearExpiry), { caCreated: true, leafCreated: true }, 'a CA near its end is made again (and must be trusted again)');

  writeFileSync(join(dir, 'localhost.pem'), 'damaged');
  t.match(await localCertificate(dir, HOSTS, caNearExpiry), { caCreated: false, leafCreated: true }, 'a damaged leaf is made again');
});

t.test('a cache directory that cannot be written: one line naming it and the way out', async (t) => {
  const root = t.testdir({ 'not-a-dir': 'a file' });
  const error = await localCertificate(join(root, 'not-a-dir', 'tls'), HOSTS).then(() => undefined, (caught: unknown) => caught);
  t.ok(error instanceof RdpError);
  t.match(error, { code: 'RDP_ERR_CERTIFICATE', message: /--https: the local CA cannot be kept in .*not-a-dir\/tls \(ENOTDIR\); set XDG_CACHE_HOME to a writable directory, or give --cert and --key/ });
});

t.test('--cert/--key: every unusable pair refused with one line naming the flag', async (t) => {
  const now = new Date();
  const ca = await issueCa(now);
  const good = await issueLeaf(ca, HOSTS, now);
  const expired = await issueLeaf(ca, HOSTS, new Date(now.getTime() - 500 * DAY));
  const early = await issueLeaf(ca, HOSTS, new Date(now.getTime() + 10 * DAY));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const encrypted = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const dir = t.testdir({
    'cert.pem': good.cert,
    'key.pem': good.key,
    'expired.pem': expired.cert,
    'expired-key.pem': expired.key,
    'early.pem': early.cert,
    'early-key.pem': early.key,
    'rsa-key.pem': rsa.privateKey,
    'encrypted-key.pem': encrypted.privateKey,
    'garbage.pem': 'hello',
    'a-directory': {},
  });
  const at = (name: string) => join(dir, name);
  const loaded = loadCertificatePair(at('cert.pem'), at('key.pem'), now);
  t.equal(loaded.cert, good.cert);
  t.equal(loaded.key, good.key);

  const cases: Array<[string, string, RegExp]> = [
    ['missing.pem', 'key.pem', /^--cert: .*missing\.pem does not exist; give the certificate file \(PEM\), e\.g\. mkcert localhost 127\.0\.0\.1 ::1/],
    ['cert.pem', 'missing-key.pem', /^--key: .*missing-key\.pem does not exist; give the private key file \(PEM\)/],
    ['a-directory', 'key.pem', /^--cert: .*a-directory cannot be read \(EISDIR\); give a readable certificate file \(PEM\)$/],
    ['garbage.pem', 'key.pem', /^--cert: .*garbage\.pem is not a PEM certificate \(it should start with -----BEGIN CERTIFICATE-----\)/],
    ['cert.pem', 'garbage.pem', /^--key: .*garbage\.pem is not a PEM private key/],
    ['cert.pem', 'encrypted-key.pem', /^--key: .*encrypted-key\.pem is encrypted; give an unencrypted key/],
    ['cert.pem', 'expired-key.pem', /^--cert and --key do not match: .*expired-key\.pem is not the private key of .*cert\.pem; give the key made with that certificate$/],
    ['cert.pem', 'rsa-key.pem', /^--cert and --key do not match: .*rsa-key\.pem is not the private key of .*cert\.pem/],
    ['expired.pem', 'expired-key.pem', /^--cert: .*expired\.pem expired on \d{4}-\d\d-\d\d; make a new one/],
    ['early.pem', 'early-key.pem', /^--cert: .*early\.pem is not valid before \d{4}-\d\d-\d\d; check the clock/],
  ];
  for (const [cert, key, message] of cases) {
    let caught: unknown;
    try {
      loadCertificatePair(at(cert), at(key), now);
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof RdpError, `${cert} + ${key}: an RdpError`);
    t.equal((caught as RdpError).code, 'RDP_ERR_CERTIFICATE', `${cert} + ${key}: its code`);
    t.match((caught as RdpError).message, message, `${cert} + ${key}`);
    t.notMatch((caught as RdpError).message, '\n', `${cert} + ${key}: one line`);
    t.equal((caught as RdpError).exitCode, 2, `${cert} + ${key}: exit 2`);
  }
});
