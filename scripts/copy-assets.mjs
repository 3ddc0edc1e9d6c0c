// Part of `npm run build`: tsc compiles src/ to dist/ but copies nothing else. These folders are
// used by path from beside their TypeScript, as they are: the Python probes the project's own
// interpreter runs, and the dashboard's HTML, CSS and ES modules (no build step on the user's
// machine).
import { cpSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const folder of [['project', 'probes'], ['status', 'dashboard']]) {
  cpSync(join(root, 'src', ...folder), join(root, 'dist', ...folder), {
    recursive: true,
    filter: (path) => basename(path) !== '__pycache__',
  });
}
