// Making certificates, with @peculiar/x509 over Node's WebCrypto: a CA that may sign server
// certificates only (path length 0), and a leaf for the one origin's names. ECDSA P-256 keys:
// every browser takes them and they are made in milliseconds. Loaded only when a certificate
// must be made, since the library needs the Reflect metadata polyfill installed globally.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname, userInfo } from 'node:os';
import * as x509 from '@peculiar/x509';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Ten years, as mkcert does: trusting it is the step users take once. */
const CA_DAYS = 3_650;
/** Under 398 days: Apple's and Chromium's ceiling for a server certificate. */
const LEAF_DAYS = 397;

x509.cryptoProvider.set(webcrypto as Crypto);

export interface IssuedPair {
  readonly cert: string;
  readonly key: string;
}

function serialNumber(): string {
  // Positive (RFC 5280 §4.1.2.2): the top bit clear.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** Who made it, as mkcert names its CA: the trust store then shows whose CA it is. */
function owner(): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()}`.replace(/[^\w.@-]/g, '-');
}

async function pem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`;
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  // An hour of slack for a clock that is a little behind the one that checks.
  return { notBefore: new Date(now.getTime() - 3_600_000), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

export async function issueCa(now: Date): Promise<IssuedPair> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=reflex-django-proxy local CA, O=reflex-django-proxy development CA, OU=${owner()}`,
    ...validity(now, CA_DAYS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: `${cert.toString('pem')}\n`, key: await pem(keys) };
}

export async function issueLeaf(ca: IssuedPair, hosts: readonly string[], now: Date): Promise<IssuedPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), ALGORITHM, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names = hosts.map((host) => (isIP(host) === 0 ? { type: 'dns' as const, value: host } : { type: 'ip' as const, value: host }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${hosts.find((host) => isIP(host) === 0) ?? hosts[0]}, O=reflex-django-proxy development certificate, OU=${owner()}`,
    issuer: caCert.subject,
    ...validity(now, LEAF_DAYS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: `${cert.toString('pem')}\n`, key: await pem(keys) };
}
