// Command-line parsing from the OPTIONS table: node's parseArgs (strict), with its errors turned
// into one line naming the flag and the fix.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { FlagValues } from '../config/resolve.js';
import { OPTIONS } from '../config/options.js';
import { RdpError } from '../errors.js';

export interface CommandFlag {
  readonly flag: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly valueName?: string;
  readonly description: string;
}

export const GLOBAL_FLAGS: readonly CommandFlag[] = [
  { flag: 'help', type: 'boolean', short: 'h', description: 'show this help' },
  { flag: 'version', type: 'boolean', short: 'v', description: 'print the version' },
];

export interface ParsedCommandLine {
  readonly config: FlagValues;
  readonly own: Readonly<Record<string, string | string[] | boolean | undefined>>;
  readonly positionals: readonly string[];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(unknown: string, known: readonly string[]): string {
  const best = known
    .map((flag) => ({ flag, score: distance(unknown, flag) }))
    .sort((a, b) => a.score - b.score)[0];
  return best !== undefined && best.score <= Math.max(2, Math.floor(unknown.length / 3)) ? `did you mean --${best.flag}? ` : '';
}

export function parseCommandLine(argv: readonly string[], commandFlags: readonly CommandFlag[], command: string): ParsedCommandLine {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const option of OPTIONS) {
    options[option.flag] = option.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: option.kind === 'prefix-list' };
  }
  for (const flag of [...GLOBAL_FLAGS, ...commandFlags]) {
    options[flag.flag] = { type: flag.type, multiple: flag.multiple ?? false, ...(flag.short === undefined ? {} : { short: flag.short }) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const named = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = named.replace(/^-+/, '');
      throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unknown flag ${named}; ${suggestion(name, Object.keys(options))}see reflex-django-proxy ${command === 'start' ? '' : `${command} `}--help`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const expected = OPTIONS.find((option) => `--${option.flag}` === named);
      const what = expected !== undefined && 'valueName' in expected ? expected.valueName : 'a value';
      throw new RdpError('RDP_ERR_INVALID_OPTION', `${named} needs ${what === 'a value' ? what : `a value (${what})`}; ${expected?.description ?? 'see --help'}`);
    }
    throw new RdpError('RDP_ERR_INVALID_OPTION', message);
  }
  const config: FlagValues = {};
  const own: Record<string, string | string[] | boolean | undefined> = {};
  const configFlags = new Set<string>(OPTIONS.map((option) => option.flag));
  for (const [flag, value] of Object.entries(parsed.values)) {
    if (configFlags.has(flag)) (config as Record<string, unknown>)[flag] = value;
    else own[flag] = value as string | string[] | boolean;
  }
  return { config, own, positionals: parsed.positionals };
}
