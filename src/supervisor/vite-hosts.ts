// Vite answers 403 to a Host it does not know, and the proxy keeps the browser's Host: a public URL
// on a name other than localhost or an IP must be allowed to the Reflex it starts
// (REFLEX_VITE_ALLOWED_HOSTS, Reflex ≥ 0.8.28; Vite's own __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS).
// A value the team already set is kept, with the host added.
import { isIP } from 'node:net';
import { TRUE_WORDS } from '../config/options.js';

/** Reflex splits list variables on ":", Vite its own on ",". */
function withHost(current: string | undefined, host: string, separator: string): string {
  const value = current?.trim() ?? '';
  if (value === '') return host;
  if (TRUE_WORDS.has(value.toLowerCase()) || value.split(separator).map((entry) => entry.trim()).includes(host)) return value;
  return `${value}${separator}${host}`;
}

export function viteHostEnv(publicUrl: string, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const host = new URL(publicUrl).hostname.toLowerCase();
  if (host === 'localhost' || isIP(host.replace(/^\[|\]$/g, '')) !== 0) return {};
  return {
    REFLEX_VITE_ALLOWED_HOSTS: withHost(env.REFLEX_VITE_ALLOWED_HOSTS, host, ':'),
    __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: withHost(env.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, host, ','),
  };
}
