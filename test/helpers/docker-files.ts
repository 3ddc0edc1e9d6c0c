// Readers for docker/Dockerfile and docker/docker-compose.yml, so tests run what the image runs with
// the environment compose gives it. No Docker engine runs on these machines, and the project has no
// YAML dependency: the compose reader takes the subset the example uses (block mappings, block and
// flow sequences of scalars, quoted scalars, comments) and throws on anything else.

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Stages in order, each with its instructions; continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (current === '' && /^\s*#/.test(line)) continue;
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  const stages: Array<{ from: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const keyword = line.slice(0, space).toUpperCase();
    const args = line.slice(space).trim().replace(/\s+/g, ' ');
    if (keyword === 'FROM') {
      const [from, as, name] = args.split(' ');
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return stages;
}

export function instructionsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** ENV KEY=VALUE pairs of a stage (the only ENV form the Dockerfile uses). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of instructionsOf(stage, 'ENV')) {
    for (const pair of args.split(' ')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`ENV ${args}: only KEY=VALUE pairs are read`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** The exec form (`["a", "b"]`) of ENTRYPOINT / CMD / HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

function scalar(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  return text;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function flowSequence(raw: string): string[] {
  const inner = raw.trim().slice(1, -1).trim();
  return inner === '' ? [] : inner.split(',').map(scalar);
}

/** The compose subset described above, into plain objects. */
export function parseComposeYaml(text: string): YamlValue {
  const lines = text
    .split('\n')
    .map((line) => stripComment(line).replace(/\s+$/, ''))
    .filter((line) => line.trim() !== '')
    .map((line) => ({ indent: line.length - line.trimStart().length, text: line.trim() }));
  let index = 0;
  function block(indent: number): YamlValue {
    if (lines[index]!.text.startsWith('- ')) {
      const items: YamlValue[] = [];
      while (index < lines.length && lines[index]!.indent === indent && lines[index]!.text.startsWith('- ')) {
        items.push(scalar(lines[index]!.text.slice(2)));
        index += 1;
      }
      return items;
    }
    const map: Record<string, YamlValue> = {};
    while (index < lines.length && lines[index]!.indent === indent) {
      const { text: line } = lines[index]!;
      const colon = line.search(/:(\s|$)/);
      if (colon <= 0) throw new Error(`compose reader: cannot read "${line}"`);
      const key = scalar(line.slice(0, colon));
      const rest = line.slice(colon + 1).trim();
      index += 1;
      if (rest !== '') map[key] = rest.startsWith('[') ? flowSequence(rest) : scalar(rest);
      else if (index < lines.length && lines[index]!.indent > indent) map[key] = block(lines[index]!.indent);
      else map[key] = '';
    }
    if (index < lines.length && lines[index]!.indent > indent) throw new Error(`compose reader: unexpected indent at "${lines[index]!.text}"`);
    return map;
  }
  return block(0);
}
