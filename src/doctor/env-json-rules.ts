// .web/env.json, as Reflex baked it at its last start: an EVENT, PING or UPLOAD endpoint that the
// page reaches on another origin than the public URL sends the socket around the proxy, and the
// session cookie does not go with it (the most common "cannot connect" report in Reflex's issues).
import { endpointsElsewhere, type EnvJson, envJsonFix } from '../config/reflex-endpoints.js';
import type { Finding } from './finding.js';
import type { PublicOrigin } from './input.js';

export function envJsonFindings(envJson: EnvJson, origin: PublicOrigin): Finding[] {
  const elsewhere = endpointsElsewhere(envJson, origin.origin);
  if (elsewhere.length === 0) return [];
  const [first, ...others] = elsewhere;
  const also = others.length === 0 ? '' : ` (and ${others.map((entry) => entry.key).join(', ')} with it)`;
  return [
    {
      severity: 'error',
      source: 'env.json',
      setting: first!.key,
      value: first!.value,
      valueText: JSON.stringify(first!.value),
      why: `the page sends its ${first!.key === 'EVENT' ? '/_event socket' : first!.key} to ${first!.reaches}${also}, not ${origin.origin}: it goes around the proxy, and the session cookie does not reach Reflex`,
      fix: envJsonFix(origin.origin, envJson.file),
      location: { file: envJson.file, line: null },
    },
  ];
}
