// The README is the front door: its error table and its settings table are checked against the
// registries they describe, in both directions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { envNameOf, OPTIONS } from '../src/config/options.js';
import { ERRORS, statusFor } from '../src/errors.js';
import { repoRoot } from './helpers/paths.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

function section(heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end === -1 ? undefined : end);
}

t.test('every RDP_ERR_* code is in the README error table, and nothing else is', async (t) => {
  const table = section('Errors and exit codes');
  const documented = new Map<string, string>();
  for (const match of table.matchAll(/^\| `(RDP_ERR_[A-Z_]+)` \| ([^|]+) \|/gm)) documented.set(match[1]!, match[2]!.trim());
  t.same([...documented.keys()].sort(), Object.keys(ERRORS).sort());
  for (const [code, spec] of Object.entries(ERRORS) as Array<[keyof typeof ERRORS, { status?: number; exitCode?: number }]>) {
    const cell = documented.get(code) ?? '';
    if (spec.status !== undefined) t.match(cell, String(statusFor(code)), `${code} status`);
    if (spec.exitCode !== undefined) t.match(cell, `exit ${spec.exitCode}`, `${code} exit status`);
  }
});

t.test('every setting is in the README settings table with its variable, and nothing else is', async (t) => {
  const table = section('Settings');
  const rows = [...table.matchAll(/^\| `--([a-z-]+)[^`]*` \| ([^|]*) \|/gm)];
  const flags = rows.map((row) => row[1]!).filter((flag) => flag !== 'help' && flag !== 'version');
  t.same(flags.sort(), OPTIONS.map((option) => option.flag).sort());
  for (const row of rows) {
    const option = OPTIONS.find((candidate) => candidate.flag === row[1]);
    if (option === undefined) continue;
    t.match(row[2]!, envNameOf(option.flag), `--${option.flag} row names ${envNameOf(option.flag)}`);
    for (const alias of 'aliases' in option ? option.aliases : []) t.match(row[2]!, alias, `--${option.flag} row names ${alias}`);
  }
});
