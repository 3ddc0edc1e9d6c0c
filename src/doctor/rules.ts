// The doctor's judgement, pure: settings and rxconfig in, findings out. Errors come first, then
// warnings, each group in the order the rules run (Django, then rxconfig, then env.json).
import { DJANGO_RULES } from './django-rules.js';
import { envJsonFindings } from './env-json.js';
import type { Finding } from './finding.js';
import { type DoctorInput, publicOriginOf } from './input.js';
import { RXCONFIG_RULES } from './rxconfig-rules.js';

export function diagnose(input: DoctorInput): Finding[] {
  const origin = publicOriginOf(input.publicUrl);
  const findings: Finding[] = [];
  if (input.django !== null) for (const rule of DJANGO_RULES) findings.push(...rule(input.django, origin, input));
  if (input.rxconfig !== null) for (const rule of RXCONFIG_RULES) findings.push(...rule(input.rxconfig, origin, input));
  if (input.envJson !== null) findings.push(...envJsonFindings(input.envJson, origin, input));
  const rank = (finding: Finding) => (finding.severity === 'error' ? 0 : 1);
  return findings.sort((a, b) => rank(a) - rank(b));
}
