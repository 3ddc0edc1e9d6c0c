// The docs are checked against the registries they describe, in both directions: the error table
// against ERRORS, the settings table against OPTIONS, each command's flag table against the
// command, the export differences against DIFFERENCES. Links between the pages, and the source's
// citations of them, must lead somewhere.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';
import { command as doctorCommand } from '../src/cli/commands/doctor.js';
import { command as exportCommand } from '../src/cli/commands/export.js';
import { command as routesCommand } from '../src/cli/commands/routes.js';
import { command as verifyCommand } from '../src/cli/commands/verify.js';
import { envNameOf, keyOf, OPTIONS } from '../src/config/options.js';
import { ERRORS, statusFor } from '../src/errors.js';
import { DIFFERENCES, ENGINE_NAMES } from '../src/export/differences.js';
import { repoRoot } from './helpers/paths.js';

function read(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const start = text.indexOf(`\n${heading}\n`);
  if (start === -1) return '';
  const next = new RegExp(`\\n#{1,${level}} `, 'g');
  next.lastIndex = start + heading.length + 2;
  const end = next.exec(text)?.index;
  return text.slice(start, end);
}

/** The cells of each table row under `text` whose first cell starts with a backquote. */
function rows(text: string): string[][] {
  return [...text.matchAll(/^\| `.*\|$/gm)].map((match) => match[0].slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return ['README.md', 'bench/README.md', ...docs];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    // Installed packages (node_modules, a venv, Reflex's .web) are not the project's source.
    .filter((name) => /\.(ts|js|mjs|py)$/.test(name) && !name.split('/').some((part) => part === 'node_modules' || part.startsWith('.')))
    .map((name) => join(dir, name));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const withoutCode = text.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)));
}

t.test('every RDP_ERR_* code is in the error table of docs/errors.md, and nothing else is', async (t) => {
  const table = section(read('docs/errors.md'), '## Codes');
  const documented = new Map<string, string>();
  for (const match of table.matchAll(/^\| `(RDP_ERR_[A-Z_]+)` \| ([^|]+) \|/gm)) documented.set(match[1]!, match[2]!.trim());
  t.same([...documented.keys()].sort(), Object.keys(ERRORS).sort());
  for (const [code, spec] of Object.entries(ERRORS) as Array<[keyof typeof ERRORS, { status?: number; exitCode?: number }]>) {
    const cell = documented.get(code) ?? '';
    if (spec.status !== undefined) t.match(cell, String(statusFor(code)), `${code} status`);
    if (spec.exitCode !== undefined) t.match(cell, `exit ${spec.exitCode}`, `${code} exit status`);
  }
});

t.test('every setting is in the table of docs/configuration.md with its variable, key and default, and nothing else is', async (t) => {
  const table = rows(section(read('docs/configuration.md'), '## Settings'));
  const flags = table.map((row) => /^`--([a-z-]+)/.exec(row[0]!)?.[1]);
  t.same(flags.slice().sort(), OPTIONS.map((option) => option.flag).sort(), 'the same flags as OPTIONS');
  for (const option of OPTIONS) {
    const row = table.find((cells) => cells[0]!.startsWith(`\`--${option.flag}`));
    if (row === undefined) continue;
    const [, env = '', key = '', defaultCell = '', meaning = ''] = row;
    t.match(env, envNameOf(option.flag), `--${option.flag} row names ${envNameOf(option.flag)}`);
    for (const alias of 'aliases' in option ? option.aliases : []) t.match(env, alias, `--${option.flag} row names ${alias}`);
    t.equal(key, 'notInFile' in option ? '—' : `\`${keyOf(option.flag)}\``, `--${option.flag} config key`);
    if ('defaultText' in option) t.match(defaultCell.replaceAll('`', ''), option.defaultText, `--${option.flag} default`);
    t.not(meaning, '', `--${option.flag} has a meaning`);
  }
});

t.test("every command's own flags are in docs/configuration.md, and nothing else is", async (t) => {
  const text = section(read('docs/configuration.md'), '## Command flags');
  for (const command of [routesCommand, verifyCommand, doctorCommand, exportCommand]) {
    const documented = rows(section(text, `### ${command.name}`)).map((row) => /^`--([a-z-]+)/.exec(row[0]!)?.[1]);
    t.same(documented.sort(), command.flags.map((flag) => flag.flag).sort(), `${command.name} flags`);
  }
});

t.test('docs/export.md lists every difference', async (t) => {
  const text = section(read('docs/export.md'), '## Every known difference');
  t.not(text, '', 'docs/export.md has the section');
  for (const difference of DIFFERENCES) {
    const engines = difference.servers.map((engine) => ENGINE_NAMES[engine]).join(', ');
    t.match(text, `- **${engines}**: ${difference.text}`, difference.id);
  }
});

t.test('the README is a front door of at most 300 lines', async (t) => {
  t.ok(read('README.md').split('\n').length <= 300);
});

t.test('every relative link in the docs leads to a file, and to a heading there', async (t) => {
  for (const file of markdownFiles()) {
    const text = read(file);
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1]!;
      if (/^[a-z]+:/.test(link)) continue;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? file : relative(repoRoot, resolve(repoRoot, dirname(file), path));
      let targetText: string;
      try {
        targetText = read(target);
      } catch {
        t.fail(`${file}: ${link} leads to no file`);
        continue;
      }
      if (anchor !== undefined) t.ok(anchorsOf(targetText).has(anchor), `${file}: ${link} leads to a heading`);
    }
  }
});

t.test('every docs/*.md § the source cites exists', async (t) => {
  const sections = new Map<string, Set<string>>();
  for (const file of markdownFiles().filter((name) => name.startsWith('docs/'))) {
    sections.set(file, new Set([...read(file).matchAll(/^## (\d+)\. /gm)].map((match) => match[1]!)));
  }
  for (const file of [...sourceFiles('src'), ...sourceFiles('test'), ...sourceFiles('examples')]) {
    for (const match of read(file).matchAll(/docs\/([a-z-]+\.md)(?: §(\d+)(?:[–-](\d+))?)?/g)) {
      const doc = `docs/${match[1]!}`;
      const numbered = sections.get(doc);
      if (numbered === undefined) {
        t.fail(`${file} cites ${doc}, which does not exist`);
        continue;
      }
      for (const number of [match[2], match[3]]) {
        if (number !== undefined) t.ok(numbered.has(number), `${file} cites ${doc} §${number}`);
      }
    }
  }
});
