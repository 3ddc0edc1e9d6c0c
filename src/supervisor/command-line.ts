// --django-cmd / --reflex-cmd: placeholders filled in, then split like a shell would split words
// (quotes and backslashes), without a shell, so a value is never re-interpreted.
import { RdpError } from '../errors.js';

type Placeholders = Readonly<Record<string, string>>;

export function fillPlaceholders(template: string, values: Placeholders, flag: string): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new RdpError('RDP_ERR_INVALID_OPTION', `--${flag}: unknown placeholder ${whole}; available: ${Object.keys(values).map((key) => `{${key}}`).join(', ')}`);
    }
    return value;
  });
}

export function splitCommandLine(line: string, flag: string): [string, ...string[]] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (char === '\\' && i + 1 < line.length && (quote === undefined || '"\\$`'.includes(line[i + 1]!))) {
      word += line[++i];
      inWord = true;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new RdpError('RDP_ERR_INVALID_OPTION', `--${flag}: ${JSON.stringify(line)} has an unclosed ${quote}; close it or drop it`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new RdpError('RDP_ERR_INVALID_OPTION', `--${flag}: the command is empty; give a command such as "python manage.py runserver 127.0.0.1:{port}"`);
  return words as [string, ...string[]];
}
