// `verify --junit FILE`: the checks as a JUnit XML report, the format CI systems (GitHub Actions
// reporters, GitLab, Jenkins, Azure) display. One testcase per check; a failed check is a
// <failure> with its reason and fix, a skipped one <skipped>, a warning passes with a "warn"
// property and the warning in <system-out>.
import type { CheckResult } from './runner.js';

const SUITE = 'reflex-django-proxy verify';
const CLASS_NAME = 'reflex-django-proxy.verify';

// XML 1.0 cannot carry most control characters, escaped or not.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escape(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testcase(result: CheckResult): string {
  const open = `    <testcase classname="${CLASS_NAME}" name="${escape(`${result.id}. ${result.name}`)}" time="${seconds(result.durationMs)}"`;
  const fix = result.fix === null ? '' : `\nfix: ${result.fix}`;
  switch (result.status) {
    case 'pass':
      return `${open}/>`;
    case 'fail':
      return `${open}>\n      <failure message="${escape(result.reason)}" type="fail">${escape(`${result.reason}${fix}`)}</failure>\n    </testcase>`;
    case 'skipped': {
      const needs = result.needs === null ? '' : ` (needs check ${result.needs})`;
      return `${open}>\n      <skipped message="${escape(`${result.reason}${needs}`)}"/>\n    </testcase>`;
    }
    case 'warn':
      return [
        `${open}>`,
        '      <properties><property name="status" value="warn"/></properties>',
        `      <system-out>${escape(`warning: ${result.reason}${fix}`)}</system-out>`,
        '    </testcase>',
      ].join('\n');
  }
}

export function junitReport(results: readonly CheckResult[], options: { url: string; startedAt: Date }): string {
  const count = (status: CheckResult['status']): number => results.filter((result) => result.status === status).length;
  const total = results.reduce((sum, result) => sum + result.durationMs, 0);
  const attributes = `name="${SUITE}" tests="${results.length}" failures="${count('fail')}" errors="0" skipped="${count('skipped')}" time="${seconds(total)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes} timestamp="${options.startedAt.toISOString().replace(/\.\d+Z$/, '')}">`,
    `    <properties><property name="url" value="${escape(options.url)}"/><property name="warnings" value="${count('warn')}"/></properties>`,
    ...results.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
