// .web/env.json: the endpoints `reflex run` baked in from REFLEX_API_URL when it last started. Where
// the browser really opens the socket is env.json's EVENT after Reflex's own client moved it
// (getBackendURL): a stale port, or a localhost URL on an https page that lands on port 443.
import { readFileSync } from 'node:fs';
import { browserEndpoint, reflexApiUrl } from '../project/reflex-backend-url.js';
import { type Finding, fixAt, type Location } from './finding.js';
import type { DoctorInput, EnvJsonInput, PublicOrigin } from './input.js';

/** undefined when there is no env.json (Reflex never ran here) or it is not Reflex's JSON. */
export function readEnvJson(path: string, shownAs: string): EnvJsonInput | undefined {
  let text: string;
  let parsed: unknown;
  try {
    text = readFileSync(path, 'utf8');
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const event = (parsed as { EVENT?: unknown } | null)?.EVENT;
  if (typeof event !== 'string') return { file: shownAs, event: undefined };
  const index = text.split('\n').findIndex((line) => line.includes('"EVENT"'));
  return { file: shownAs, event: { url: event, line: index === -1 ? null : index + 1 } };
}

export function envJsonFindings(env: EnvJsonInput, origin: PublicOrigin, input: DoctorInput): Finding[] {
  if (env.event === undefined) return [];
  let lands: URL;
  try {
    lands = browserEndpoint(env.event.url, origin.origin);
  } catch {
    return [];
  }
  const wanted = new URL(input.eventPath, origin.origin);
  if (lands.host === wanted.host && lands.protocol === (origin.isHttps ? 'wss:' : 'ws:')) return [];
  const portDropped = origin.isHttps && lands.hostname === origin.url.hostname && lands.port === '' && origin.url.port !== '';
  const why = portDropped
    ? `Reflex's browser client moves a localhost endpoint to the page's host and, on an https page, drops its port: the /_event socket goes to ${lands.href} (port 443), not ${origin.origin}`
    : `the browser's /_event socket goes to ${lands.href}, not the proxy at ${origin.origin}, and the session cookie does not go with it`;
  const { apiUrl, openInstead } = reflexApiUrl(origin.origin);
  const restart = `restart reflex run with REFLEX_API_URL=${apiUrl}${openInstead === undefined ? '' : ` and open ${openInstead}`} (written at start; the proxy sets it for the Reflex it starts)`;
  const location: Location = { file: env.file, line: env.event.line };
  return [
    {
      // The next start of a Reflex the proxy supervises writes it again: only then is it harmless.
      severity: input.reflexStartedByProxy ? 'warning' : 'error',
      source: 'env.json',
      setting: 'EVENT',
      value: env.event.url,
      valueText: JSON.stringify(env.event.url),
      why,
      fix: fixAt(location, restart),
      location,
    },
  ];
}
