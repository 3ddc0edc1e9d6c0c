// What the doctor's rules judge: the settings and rxconfig.py as read from the project, the proxy's
// own settings, and the public origin worked out once for every rule.
import type { EnvJson } from '../config/reflex-endpoints.js';
import type { Location } from './finding.js';
import { normalizeHost } from './hosts.js';
import type { RxKeyword } from './rxconfig.js';

export interface DjangoInput {
  /** The settings as the discovery probe printed them (JSON: tuples are lists). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Where each setting is assigned, paths as shown to the user. */
  readonly locations: Readonly<Record<string, Location>>;
  /** The settings module's file, named when a setting has no line of its own. */
  readonly settingsFile: string | null;
}

export interface RxconfigInput {
  /** As shown to the user. */
  readonly file: string;
  readonly callLine: number | null;
  readonly keywords: Readonly<Record<string, RxKeyword>>;
}

export interface DoctorInput {
  /** The origin browsers use (the resolved --public-url). */
  readonly publicUrl: string;
  /** --trust-proxy: the client's X-Forwarded-* reach Django. */
  readonly trustProxy: boolean;
  /** --https: the proxy ends TLS itself and sends X-Forwarded-Proto: https. */
  readonly servesTls: boolean;
  /**
   * The proxy starts Reflex (no --reflex-backend-url, no --no-supervise): it writes env.json anew,
   * and is told the public host Vite must allow.
   */
  readonly reflexStartedByProxy: boolean;
  /** Reflex's socket path, `/_event` under --reflex-backend-path. */
  readonly eventPath: string;
  /** No Vite dev server (--frontend-dir, single-port Reflex, the split layout): its host check does not apply. */
  readonly frontendIsDirectory: boolean;
  /** $__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, which Vite adds to its allowed hosts. */
  readonly viteExtraHost?: string | undefined;
  readonly django: DjangoInput | null;
  /** null when there is no rxconfig.py, or it could not be read. */
  readonly rxconfig: RxconfigInput | null;
  /** The app's .web/env.json (its file as shown to the user); null when Reflex has not written it yet. */
  readonly envJson: EnvJson | null;
}

/** What every rule needs to know about the public URL, worked out once. */
export interface PublicOrigin {
  readonly url: URL;
  /** `scheme://host[:port]`, as a browser sends it in Origin. */
  readonly origin: string;
  /** Lower case, IPv6 in brackets, no port. */
  readonly host: string;
  readonly isHttps: boolean;
}

export function publicOriginOf(publicUrl: string): PublicOrigin {
  const url = new URL(publicUrl);
  return { url, origin: url.origin, host: normalizeHost(url.hostname), isHttps: url.protocol === 'https:' };
}
