// What `start --https` tells the user once it listens: where the CA is and the one command per
// browser that trusts it, which REFLEX_API_URL Reflex gets and why, and what to open. As one log
// record (JSON) and, on a terminal, as a block of text.
import type { ReflexApiUrl } from '../config/reflex-backend-url.js';
import type { ServedCertificate } from '../tls/certificate.js';

export interface HttpsNotice {
  readonly record: Record<string, unknown>;
  readonly message: string;
  readonly text: string;
}

function reflexLine(publicUrl: string, api: ReflexApiUrl, reflexStarted: boolean): string {
  const why = "Reflex's browser client drops the port of a localhost API URL on an https page, so its socket would go to port 443";
  if (api.openInstead !== undefined) {
    const told = reflexStarted ? `Reflex gets REFLEX_API_URL=${api.apiUrl}` : `start your Reflex with REFLEX_API_URL=${api.apiUrl}`;
    return `open ${api.openInstead}, not ${publicUrl}: ${why}; ${told} (a host it keeps), and the session cookie belongs to one host`;
  }
  if (!reflexStarted) return `start your Reflex with REFLEX_API_URL=${api.apiUrl}`;
  if (new URL(publicUrl).hostname !== '127.0.0.1') return `REFLEX_API_URL=${api.apiUrl}`;
  return `REFLEX_API_URL=${api.apiUrl}: 127.0.0.1, not localhost, because ${why}`;
}

export function httpsNotice(served: ServedCertificate, publicUrl: string, api: ReflexApiUrl, reflexStarted: boolean): HttpsNotice {
  const lines: string[] = [];
  const local = served.local;
  if (local === undefined) {
    lines.push('  HTTPS (HTTP/2 and HTTP/1.1) with the certificate from --cert');
  } else {
    const state = local.caCreated ? 'made now: trust it once with the command for your browser' : local.leafCreated ? 'reused; a new certificate for these names, signed by it' : 'reused';
    lines.push(`  HTTPS (HTTP/2 and HTTP/1.1) with the local CA (${state})`, `    CA     ${local.caPath}`);
    for (const [index, { trustedBy, command }] of local.trust.entries()) lines.push(`    ${index === 0 ? 'trust' : '     '}  ${trustedBy}:`, `             ${command}`);
  }
  for (const warning of served.warnings) lines.push(`    warn   ${warning}`);
  const reflex = reflexLine(publicUrl, api, reflexStarted);
  lines.push(`    Reflex ${reflex}`);
  return {
    message: local === undefined ? 'https with --cert' : 'https with the local CA',
    record: {
      ...(local === undefined ? {} : { caPath: local.caPath, caCreated: local.caCreated, leafCreated: local.leafCreated, leafPath: local.leafPath, leafExpires: local.notAfter.toISOString(), trust: local.trust }),
      reflexApiUrl: api.apiUrl,
      ...(api.openInstead === undefined ? {} : { openInstead: api.openInstead }),
      reflex,
      ...(served.warnings.length === 0 ? {} : { warnings: served.warnings }),
    },
    text: `\n${lines.join('\n')}\n`,
  };
}
