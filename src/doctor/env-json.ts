// .web/env.json, as Reflex baked it at its last start: an EVENT, PING or UPLOAD endpoint that the
// page reaches on another origin than the public URL sends the socket around the proxy, and the
// session cookie does not go with it (the most common "cannot connect" report in Reflex's issues).
// Where the page reaches it is Reflex's own client rule (getBackendURL): a stale port, or a
// localhost URL on an https page that lands on port 443.
import { browserEndpoint } from '../config/reflex-backend-url.js';
import { endpointsElsewhere, type EnvJson, envJsonFix } from '../config/reflex-endpoints.js';
import { type Finding, type Location, placeOf } from './finding.js';
import type { DoctorInput, PublicOrigin } from './input.js';

export function envJsonFindings(envJson: EnvJson, origin: PublicOrigin, input: DoctorInput): Finding[] {
  const [first, ...others] = endpointsElsewhere(envJson, origin.origin);
  if (first === undefined) return [];
  const what = first.key === 'EVENT' ? 'its /_event socket' : `its ${first.key} requests`;
  const also = others.length === 0 ? '' : ` (and ${others.map((entry) => entry.key).join(', ')} with it)`;
  const lands = browserEndpoint(first.value, origin.origin);
  const portDropped = origin.isHttps && lands.hostname === origin.url.hostname && lands.port === '' && origin.url.port !== '';
  const why = portDropped
    ? `Reflex's browser client moves a localhost endpoint to the page's host and, on an https page, drops its port: the page sends ${what} to ${lands.href} (port 443)${also}, not ${origin.origin}`
    : `the page sends ${what} to ${first.reaches}${also}, not ${origin.origin}: it goes around the proxy, and the session cookie does not reach Reflex`;
  const location: Location = { file: envJson.file, line: envJson.lines[first.key] ?? null };
  return [
    {
      // The next start of a Reflex the proxy supervises writes it again: only then is it harmless.
      severity: input.reflexStartedByProxy ? 'warning' : 'error',
      source: 'env.json',
      setting: first.key,
      value: first.value,
      valueText: JSON.stringify(first.value),
      why,
      fix: envJsonFix(origin.origin, placeOf(location)),
      location,
    },
  ];
}
