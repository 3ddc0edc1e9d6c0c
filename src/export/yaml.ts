// YAML for `export kubernetes`, written by hand: block style, comments above each document, and
// every string that YAML 1.1 (kubectl's parser) could read as anything else double-quoted.

export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

export type YamlMap = { readonly [key: string]: YamlValue };

/** `{ key: value }`, or nothing to spread when the value is not there. */
export function entry(key: string, value: YamlValue | undefined): YamlMap {
  return value === undefined ? {} : { [key]: value };
}

export interface YamlDocument {
  /** Comment lines, without the comment sign. */
  readonly comments: readonly string[];
  readonly value: YamlValue;
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
// Words YAML 1.1 reads as booleans or null: "off" in an annotation would not stay a string.
const RESERVED = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  // A JSON string is a valid YAML double-quoted scalar.
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

function key(name: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(name) && !RESERVED.test(name) ? name : JSON.stringify(name);
}

function isCollection(value: YamlValue): value is readonly YamlValue[] | { readonly [key: string]: YamlValue } {
  return typeof value === 'object';
}

function isEmpty(value: YamlValue): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0;
}

/** The lines of a collection, each indented by `depth` levels of two spaces. */
function lines(value: readonly YamlValue[] | { readonly [key: string]: YamlValue }, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const out: string[] = [];
  const entries: Array<[string, YamlValue]> = Array.isArray(value)
    ? value.map((item): [string, YamlValue] => ['-', item])
    : Object.entries(value).map(([name, item]): [string, YamlValue] => [`${key(name)}:`, item]);
  for (const [lead, item] of entries) {
    if (!isCollection(item) || isEmpty(item)) {
      out.push(`${pad}${lead} ${isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
    } else if (lead === '-') {
      // A sequence item's first line sits on the dash.
      const nested = lines(item, depth + 1);
      out.push(`${pad}- ${nested[0]!.trimStart()}`, ...nested.slice(1));
    } else {
      out.push(`${pad}${lead}`, ...lines(item, depth + 1));
    }
  }
  return out;
}

export function renderYaml(documents: readonly YamlDocument[]): string {
  return documents
    .map((document) => {
      const body = isCollection(document.value) ? lines(document.value, 0) : [scalar(document.value)];
      return [...document.comments.map((line) => (line === '' ? '#' : `# ${line}`)), ...body].join('\n');
    })
    .join('\n---\n')
    .concat('\n');
}
