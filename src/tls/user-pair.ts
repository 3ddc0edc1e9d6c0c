// --cert FILE --key FILE (say, from mkcert), checked before anything listens: each way a pair can
// be unusable is one line naming the flag, the file and the fix.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RdpError } from '../errors.js';

export interface CertificatePair {
  /** The whole file: a chain (leaf, then intermediates) is served as it is. */
  readonly cert: string;
  readonly key: string;
  readonly x509: X509Certificate;
}

const MAKE_ONE = 'e.g. mkcert localhost 127.0.0.1 ::1, or leave --cert and --key out for the local CA';

function fail(message: string, cause?: unknown): RdpError {
  return new RdpError('RDP_ERR_CERTIFICATE', message, cause === undefined ? undefined : { cause });
}

function readPem(flag: string, path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail(`--${flag}: ${path} does not exist; give the ${what} file (PEM), ${MAKE_ONE}`, error);
    throw fail(`--${flag}: ${path} cannot be read (${code ?? (error as Error).message}); give a readable ${what} file (PEM)`, error);
  }
}

function parseCertificate(path: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw fail(`--cert: ${path} is not a PEM certificate (it should start with -----BEGIN CERTIFICATE-----); ${MAKE_ONE}`, error);
  }
}

function parseKey(path: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    // PKCS#8 says so in its label, traditional PEM in a Proc-Type line.
    if ((error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE' || /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
      throw fail(`--key: ${path} is encrypted; give an unencrypted key (openssl pkey -in ${path} -out key.pem)`, error);
    }
    throw fail(`--key: ${path} is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----); give the key made with the certificate`, error);
  }
}

function day(date: string): string {
  return new Date(date).toISOString().slice(0, 10);
}

export function loadCertificatePair(certPath: string, keyPath: string, now: Date = new Date()): CertificatePair {
  const cert = readPem('cert', certPath, 'certificate');
  const key = readPem('key', keyPath, 'private key');
  const x509 = parseCertificate(certPath, cert);
  const privateKey = parseKey(keyPath, key);
  if (privateKey.asymmetricKeyType !== x509.publicKey.asymmetricKeyType || !x509.checkPrivateKey(privateKey)) {
    throw fail(`--cert and --key do not match: ${keyPath} is not the private key of ${certPath}; give the key made with that certificate`);
  }
  if (new Date(x509.validTo) <= now) throw fail(`--cert: ${certPath} expired on ${day(x509.validTo)}; make a new one, ${MAKE_ONE}`);
  if (new Date(x509.validFrom) > now) throw fail(`--cert: ${certPath} is not valid before ${day(x509.validFrom)}; check the clock, or make a new one`);
  return { cert, key, x509 };
}
