// --help, written from the same tables the parser and the config loader use.
import { envNameOf, OPTIONS } from '../config/options.js';
import { type CommandFlag, GLOBAL_FLAGS } from './args.js';
import type { Command } from './context.js';

function flagLine(flag: string, valueName: string | undefined, description: string, extra: string): string {
  const left = `  --${flag}${valueName === undefined ? '' : ` ${valueName}`}`;
  return `${left.padEnd(30)} ${description}${extra}`;
}

function commandFlagLines(flags: readonly CommandFlag[]): string[] {
  return flags.map((flag) => flagLine(flag.flag, flag.valueName, flag.description, ''));
}

export function helpText(command: Command, commands: readonly Pick<Command, 'name' | 'summary'>[]): string {
  const settings = OPTIONS.map((option) =>
    flagLine(option.flag, 'valueName' in option ? option.valueName : undefined, option.description, `${'defaultText' in option ? ` [${option.defaultText}]` : ''}  (${envNameOf(option.flag)})`),
  );
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    '',
    ...(command.flags.length > 0 ? [`${command.name} flags:`, ...commandFlagLines(command.flags), ''] : []),
    'Settings (flag > environment > --config file > discovery > default):',
    ...settings,
    '',
    ...commandFlagLines(GLOBAL_FLAGS),
    '',
    'Commands:',
    ...commands.map((entry) => `  ${entry.name.padEnd(10)} ${entry.summary}`),
    '',
  ].join('\n');
}
