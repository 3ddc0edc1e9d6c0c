// What a command may touch of the outside world, injected so tests can run commands in-process.
import type { Writable } from 'node:stream';
import type { CommandFlag, ParsedCommandLine } from './args.js';

export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable;
}

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly CommandFlag[];
  /** Resolves with the exit status. */
  run(commandLine: ParsedCommandLine, context: CliContext): Promise<number>;
}
