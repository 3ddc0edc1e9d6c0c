// The certificate --https serves, from the setting: the user's own pair (checked), or the local
// CA's leaf for the public URL's names (made or reused). Called once at start, before anything
// listens, so a bad pair stops the CLI with one line.
import type { HttpsSetting } from '../config/resolve.js';
import { certificateDir } from './cache-dir.js';
import { certificateCovers, certificateHosts } from './hosts.js';
import { type LocalCertificate, localCertificate } from './local-ca.js';
import { trustCommands, type TrustCommand } from './trust-commands.js';
import { loadCertificatePair } from './user-pair.js';

export interface ServedCertificate {
  readonly cert: string;
  readonly key: string;
  /** The local CA's facts (undefined for --cert/--key). */
  readonly local: (LocalCertificate & { readonly trust: readonly TrustCommand[] }) | undefined;
  /** What the start should warn about (a --cert that does not name the public host). */
  readonly warnings: readonly string[];
}

export async function certificateFor(https: HttpsSetting, publicUrl: string, env: Readonly<Record<string, string | undefined>>): Promise<ServedCertificate> {
  const hosts = certificateHosts(publicUrl);
  if (https.certificate === 'files') {
    const pair = loadCertificatePair(https.certFile, https.keyFile);
    const host = hosts.at(-1)!;
    const warnings = certificateCovers(pair.x509, host) ? [] : [`--cert ${https.certFile} does not name ${host} (it names ${pair.x509.subjectAltName ?? pair.x509.subject}): browsers will refuse it on ${publicUrl}`];
    return { cert: pair.cert, key: pair.key, local: undefined, warnings };
  }
  const local = await localCertificate(certificateDir(env), hosts);
  return { cert: local.cert, key: local.key, local: { ...local, trust: trustCommands(local.caPath) }, warnings: [] };
}
