// Part of `npm run build`: tsc compiles src/ to dist/ but copies nothing else. The dashboard's
// HTML, CSS and ES modules are served from beside their TypeScript (src/status/dashboard/ ->
// dist/status/dashboard/), as they are: the user's machine runs no build step.
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
cpSync(join(root, 'src', 'status', 'dashboard'), join(root, 'dist', 'status', 'dashboard'), { recursive: true });
