// Where the local CA lives: the user's cache directory, not the project, so every project on the
// machine shares one CA that is trusted once (docs/https.md).
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

const APP = 'reflex-django-proxy';

/** The CA certificate's file name in the certificate directory; its key sits beside it. */
export const CA_CERT_FILE = 'ca.pem';

/**
 * XDG_CACHE_HOME (absolute only, as the XDG spec says) or ~/.cache on Linux and the BSDs,
 * ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
 */
export function certificateDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), APP, 'tls');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', APP, 'tls');
  const xdg = env.XDG_CACHE_HOME;
  return posix.join(xdg !== undefined && posix.isAbsolute(xdg) ? xdg : posix.join(home, '.cache'), APP, 'tls');
}
