// The package's own version, for --version and the provenance line of exported files.
import { readFileSync } from 'node:fs';

export function version(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}
