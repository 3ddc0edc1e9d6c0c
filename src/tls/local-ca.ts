// The default certificate of --https: a local CA made once in the user's cache directory, and a
// leaf it signs for the one origin's names. What is on disk is reused while it still fits: the
// same CA means no new trust step; the leaf is made again when the names change or it nears expiry.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RdpError } from '../errors.js';
import { CA_CERT_FILE } from './cache-dir.js';
import { certificateCovers, subjectAltNameCount } from './hosts.js';

const CA_KEY_FILE = 'ca-key.pem';
const LEAF_CERT_FILE = 'localhost.pem';
const LEAF_KEY_FILE = 'localhost-key.pem';
/** Made again this long before it expires, so a running proxy never serves an expired one. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface LocalCertificate {
  /** The file to trust. */
  readonly caPath: string;
  readonly cert: string;
  readonly key: string;
  /** True when this start made the CA: it must be trusted (again). */
  readonly caCreated: boolean;
  readonly leafCreated: boolean;
  readonly leafPath: string;
  readonly notAfter: Date;
}

interface OnDisk {
  readonly pem: string;
  readonly keyPem: string;
  readonly cert: X509Certificate;
  readonly key: KeyObject;
}

function read(dir: string, certFile: string, keyFile: string): OnDisk | undefined {
  try {
    const pem = readFileSync(join(dir, certFile), 'utf8');
    const keyPem = readFileSync(join(dir, keyFile), 'utf8');
    const cert = new X509Certificate(pem);
    const key = createPrivateKey(keyPem);
    return cert.checkPrivateKey(key) ? { pem, keyPem, cert, key } : undefined;
  } catch {
    // missing, unreadable or damaged: made again
    return undefined;
  }
}

function fresh(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS;
}

function leafFits(leaf: X509Certificate, ca: X509Certificate, hosts: readonly string[], now: Date): boolean {
  return (
    fresh(leaf, now) &&
    leaf.checkIssued(ca) &&
    leaf.verify(ca.publicKey) &&
    hosts.every((host) => certificateCovers(leaf, host)) &&
    subjectAltNameCount(leaf) === hosts.length
  );
}

/** Written beside, then renamed: a reader never sees half a file, and keys are never world-readable. */
function writeAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

function cannotKeep(dir: string, error: unknown): RdpError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new RdpError('RDP_ERR_CERTIFICATE', `--https: the local CA cannot be kept in ${dir} (${code}); set XDG_CACHE_HOME to a writable directory, or give --cert and --key`, { cause: error });
}

export async function localCertificate(dir: string, hosts: readonly string[], now: Date = new Date()): Promise<LocalCertificate> {
  let ca = read(dir, CA_CERT_FILE, CA_KEY_FILE);
  const caFits = ca !== undefined && ca.cert.ca && fresh(ca.cert, now);
  let leaf = caFits ? read(dir, LEAF_CERT_FILE, LEAF_KEY_FILE) : undefined;
  const leafOk = leaf !== undefined && leafFits(leaf.cert, ca!.cert, hosts, now);
  if (!caFits || !leafOk) {
    // The library (and its global polyfill) loads only when something must be made.
    const { issueCa, issueLeaf } = await import('./issue.js');
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!caFits) {
        const issued = await issueCa(now);
        writeAtomically(join(dir, CA_KEY_FILE), issued.key, 0o600);
        writeAtomically(join(dir, CA_CERT_FILE), issued.cert, 0o644);
        ca = read(dir, CA_CERT_FILE, CA_KEY_FILE)!;
      }
      const issued = await issueLeaf({ cert: ca!.pem, key: ca!.keyPem }, hosts, now);
      writeAtomically(join(dir, LEAF_KEY_FILE), issued.key, 0o600);
      writeAtomically(join(dir, LEAF_CERT_FILE), issued.cert, 0o644);
      leaf = read(dir, LEAF_CERT_FILE, LEAF_KEY_FILE)!;
    } catch (error) {
      if (error instanceof RdpError) throw error;
      throw cannotKeep(dir, error);
    }
  }
  return {
    caPath: join(dir, CA_CERT_FILE),
    cert: leaf!.pem,
    key: leaf!.keyPem,
    caCreated: !caFits,
    leafCreated: !caFits || !leafOk,
    leafPath: join(dir, LEAF_CERT_FILE),
    notAfter: new Date(leaf!.cert.validTo),
  };
}
