// verify's settings, checked once for both ways in: the CLI's flags and the library's options
// object. A bad value names the setting as the caller wrote it (`--url` or `url`).
import type { RoutingFacts } from '../config/routes-report.js';
import { RdpError } from '../errors.js';
import type { VerifyOptions } from './runner.js';
import { trustedCertificates } from './trust.js';

/**
 * The routing facts (layout, eventPath, uploadPath) say the table in force when it is not
 * django_outer's with Reflex at the root: checks 2, 6, 8 and 9 follow them.
 */
export interface VerifyInput extends Partial<RoutingFacts> {
  readonly url: string | URL;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly loginPath?: string | undefined;
  readonly sessionCookie?: string | undefined;
  readonly requireSession?: boolean | undefined;
  readonly timeoutMs?: number | string | undefined;
  /** Where an https origin's extra CAs are looked up (the --https cache directory, NODE_EXTRA_CA_CERTS); process.env when not given. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The settings a caller names in messages (`--login-url`, `loginPath`). */
export type VerifySetting = Exclude<keyof VerifyInput, 'env' | keyof RoutingFacts>;

export const VERIFY_DEFAULTS = Object.freeze({ loginPath: '/admin/login/', sessionCookie: 'sessionid', timeoutMs: 10_000 });

function invalid(name: string, value: unknown, expected: string): RdpError {
  return new RdpError('RDP_ERR_INVALID_OPTION', `${name}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
}

function originOf(raw: string | URL, name: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(name, String(raw), "the proxy's origin, such as http://localhost:8000");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(name, String(raw), 'an http:// or https:// origin');
  return new URL(url.origin);
}

function positiveMs(raw: number | string | undefined, name: string): number {
  if (raw === undefined) return VERIFY_DEFAULTS.timeoutMs;
  const ms = Number(raw);
  if (!/^\d+$/.test(String(raw)) || ms <= 0) throw invalid(name, raw, 'a positive number of milliseconds, such as 10000');
  return ms;
}

/** `nameOf` says how the caller spells a setting in messages: `--login-url` or `loginPath`. */
export function verifyOptions(input: VerifyInput, nameOf: (key: VerifySetting) => string): VerifyOptions {
  const loginPath = input.loginPath ?? VERIFY_DEFAULTS.loginPath;
  if (!loginPath.startsWith('/')) throw invalid(nameOf('loginPath'), loginPath, 'a path such as /admin/login/');
  const { username, password } = input;
  if ((username === undefined) !== (password === undefined)) {
    const missing = nameOf(username === undefined ? 'username' : 'password');
    throw new RdpError('RDP_ERR_MISSING_OPTION', `${missing} is missing: give both ${nameOf('username')} and ${nameOf('password')}, or neither`);
  }
  const url = originOf(input.url, nameOf('url'));
  return {
    url,
    username,
    password,
    loginPath,
    sessionCookie: input.sessionCookie ?? VERIFY_DEFAULTS.sessionCookie,
    requireSession: input.requireSession ?? false,
    timeoutMs: positiveMs(input.timeoutMs, nameOf('timeoutMs')),
    ca: url.protocol === 'https:' ? trustedCertificates(input.env ?? process.env) : undefined,
    layout: input.layout ?? 'django-outer',
    eventPath: input.eventPath ?? '/_event',
    uploadPath: input.uploadPath ?? '/_upload',
  };
}
