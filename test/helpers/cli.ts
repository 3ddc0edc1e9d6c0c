// The CLI run in this process through its injectable context: exit status and both streams,
// without a child process per case.
import { Writable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { repoRoot } from './paths.js';

function collector(): Writable & { text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return Object.assign(stream, { text: () => text });
}

export async function runInProcess(args: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await run(args, { env: { PATH: process.env.PATH, ...env }, cwd, stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
