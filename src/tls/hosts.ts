// The names a certificate must carry for the one origin: the loopback names a browser may use,
// and the public URL's host.
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = Object.freeze(['localhost', '127.0.0.1', '::1']);

/** `localhost`, `127.0.0.1`, `::1` and the public URL's host (IPv6 without brackets), once each. */
export function certificateHosts(publicUrl: string): string[] {
  const host = new URL(publicUrl).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return [...new Set([...LOOPBACK_NAMES, host])];
}

/** Whether the certificate names `host` (an IP in an IP entry, a name in a DNS entry). */
export function certificateCovers(cert: X509Certificate, host: string): boolean {
  return isIP(host) === 0 ? cert.checkHost(host, { wildcards: true }) !== undefined : cert.checkIP(host) !== undefined;
}

/** How many names the certificate carries: a leaf for a smaller host set is made again. */
export function subjectAltNameCount(cert: X509Certificate): number {
  return cert.subjectAltName === undefined ? 0 : cert.subjectAltName.split(', ').length;
}
