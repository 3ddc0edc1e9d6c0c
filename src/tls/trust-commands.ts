// The one command that makes each browser trust the local CA, for the platform the proxy runs on.
// Printed at every start: trusting is the user's decision, so the proxy never does it itself.

export interface TrustCommand {
  /** Who honours it: the system store, or a browser that keeps its own. */
  readonly trustedBy: string;
  readonly command: string;
}

const NICKNAME = 'reflex-django-proxy local CA';

function quoted(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

export function trustCommands(caPath: string, platform: NodeJS.Platform = process.platform): TrustCommand[] {
  // Firefox reads these two stores only with security.enterprise_roots.enabled = true (about:config).
  const firefox = 'Firefox once security.enterprise_roots.enabled is true';
  if (platform === 'darwin') {
    return [{ trustedBy: `Safari, Chrome, Edge; ${firefox} (the System keychain)`, command: `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${quoted(caPath)}` }];
  }
  if (platform === 'win32') {
    return [{ trustedBy: `Edge, Chrome; ${firefox} (the Windows user store)`, command: `certutil -user -addstore Root "${caPath}"` }];
  }
  const file = quoted(caPath);
  return [
    { trustedBy: 'Chrome, Chromium (NSS; certutil is in libnss3-tools)', command: `certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n '${NICKNAME}' -i ${file}` },
    { trustedBy: 'Firefox (each profile)', command: `for p in ~/.mozilla/firefox/*/ ~/snap/firefox/common/.mozilla/firefox/*/; do [ -f "$p/cert9.db" ] && certutil -d "sql:$p" -A -t C,, -n '${NICKNAME}' -i ${file}; done` },
    { trustedBy: 'curl, Python and the system (Debian, Ubuntu)', command: `sudo cp ${file} /usr/local/share/ca-certificates/reflex-django-proxy.crt && sudo update-ca-certificates` },
    { trustedBy: 'Node.js clients', command: `export NODE_EXTRA_CA_CERTS=${file}` },
  ];
}
