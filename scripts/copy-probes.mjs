// Part of `npm run build`: tsc compiles src/ to dist/ but copies nothing else, and the Python probes
// are run by path from beside their TypeScript (src/project/probes/ -> dist/project/probes/).
import { cpSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
cpSync(join(root, 'src', 'project', 'probes'), join(root, 'dist', 'project', 'probes'), {
  recursive: true,
  filter: (path) => basename(path) !== '__pycache__',
});
