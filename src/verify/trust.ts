// verify over https trusts what Node trusts, plus the local CA of --https (this user's cache
// directory) and NODE_EXTRA_CA_CERTS, which Node stops reading once a `ca` list is given.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { CA_CERT_FILE, certificateDir } from '../tls/cache-dir.js';

function readable(path: string | undefined): string[] {
  if (path === undefined || path === '') return [];
  try {
    return [readFileSync(path, 'utf8')];
  } catch {
    // no local CA yet (never started with --https), or a stale variable: Node's list alone
    return [];
  }
}

/** undefined: nothing to add, Node's default list applies. */
export function trustedCertificates(env: Readonly<Record<string, string | undefined>>): string[] | undefined {
  const extra = [...readable(join(certificateDir(env), CA_CERT_FILE)), ...readable(env.NODE_EXTRA_CA_CERTS)];
  return extra.length === 0 ? undefined : [...rootCertificates, ...extra];
}
