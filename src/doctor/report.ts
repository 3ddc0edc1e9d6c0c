// Doctor's output: one block per finding for people, one object for CI (shape in docs/doctor.md).
import type { Finding } from './finding.js';
import type { DoctorReport } from './examine.js';

export function countOf(findings: readonly Finding[]): { errors: number; warnings: number } {
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  return { errors, warnings: findings.length - errors };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function findingText(finding: Finding): string {
  return [`${finding.severity.padEnd(8)} ${finding.setting} = ${finding.valueText}`, `  why    ${finding.why}`, `  fix    ${finding.fix}`].join('\n');
}

export function reportText(report: DoctorReport): string {
  const { django, rxconfig, findings } = report;
  const lines = [`doctor: public URL ${report.publicUrl}`];
  lines.push(`  Django  ${django.settingsModule ?? 'settings'}${django.settingsFile === null ? '' : ` (${django.settingsFile})`}, read with ${django.python}`);
  if (rxconfig === null) lines.push('  Reflex  no rxconfig.py: its checks are skipped');
  else if (rxconfig.error !== null) lines.push(`  Reflex  ${rxconfig.file} cannot be read (${rxconfig.error}): its checks are skipped`);
  else lines.push(`  Reflex  ${rxconfig.file}${rxconfig.notes.length === 0 ? '' : ` (${rxconfig.notes.join('; ')})`}`);
  lines.push('');
  for (const finding of findings) lines.push(findingText(finding), '');
  const { errors, warnings } = countOf(findings);
  if (findings.length === 0) lines.push(`no problems: nothing in these settings breaks one-origin sessions on ${report.publicUrl}`);
  else if (errors === 0) lines.push(`${plural(warnings, 'warning')}, no errors: sessions work on ${report.publicUrl}; the warnings are settings it does not need`);
  else lines.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}: the errors break one-origin sessions on ${report.publicUrl}`);
  return `${lines.join('\n')}\n`;
}

export function reportJson(report: DoctorReport): string {
  const { errors, warnings } = countOf(report.findings);
  return `${JSON.stringify(
    {
      ok: errors === 0,
      project: report.project,
      publicUrl: report.publicUrl,
      django: report.django,
      rxconfig: report.rxconfig,
      summary: { errors, warnings },
      findings: report.findings.map(({ location, ...finding }) => ({ ...finding, file: location?.file ?? null, line: location?.line ?? null })),
    },
    null,
    2,
  )}\n`;
}
