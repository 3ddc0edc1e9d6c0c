// A Reflex-like dev page for the page-load benchmark, written into a folder a real Vite dev server
// serves: large "vendor" modules standing in for React, React Router and socket.io-client, Reflex's
// state module, env.json, a stylesheet, a routes module, 6 pages and 30 components, imported four
// levels deep as Reflex's root → routes → page → component (45 modules with main.js; with
// index.html, /@vite/client and /@vite/env, 48 requests, like the 42 of a real one-page Reflex 0.9
// app).
// The contents are deterministic, so every load moves the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VENDORS = { 'react-dom': 300, react: 60, router: 120, socket: 80 };
const PAGES = 6;
const COMPONENTS_PER_PAGE = 5;

/** About `kib` KiB of module text whose payload is functions and strings, as a bundle's is. */
function body(name, kib) {
  const lines = [`globalThis.__benchModules = (globalThis.__benchModules ?? 0) + 1;`];
  let size = 0;
  for (let i = 0; size < kib * 1024; i += 1) {
    const line = `export function ${name}_${i}(props) { return { id: ${i}, name: "${name}-${i}", text: "${`${name} ${i} `.repeat(6)}", props }; }`;
    lines.push(line);
    size += line.length;
  }
  return `${lines.join('\n')}\n`;
}

/** The JavaScript modules that count themselves in globalThis.__benchModules (all but main.js). */
export const COUNTED_MODULES = Object.keys(VENDORS).length + 2 + PAGES * (1 + COMPONENTS_PER_PAGE);
/** Modules Vite serves for the page: those, main.js, env.json and styles.css. */
export const PAGE_MODULES = COUNTED_MODULES + 3;

export function writePageApp(dir) {
  for (const sub of ['vendor', 'utils', 'routes', 'components']) mkdirSync(join(dir, sub), { recursive: true });
  const write = (path, text) => writeFileSync(join(dir, path), text);
  write('index.html', '<!doctype html>\n<html lang="en">\n  <head><meta charset="utf-8" /><title>bench page</title></head>\n  <body><div id="root"></div><script type="module" src="/main.js"></script></body>\n</html>\n');
  write('vite.config.js', "export default { clearScreen: false, logLevel: 'warn', cacheDir: process.env.BENCH_VITE_CACHE_DIR };\n");
  for (const [name, kib] of Object.entries(VENDORS)) write(`vendor/${name}.js`, body(name.replace('-', '_'), kib));
  write('utils/state.js', body('state', 40));
  write('env.json', `${JSON.stringify({ EVENT: 'ws://localhost:8000/_event', PING: 'http://localhost:8000/ping', UPLOAD: 'http://localhost:8000/_upload' }, null, 2)}\n`);
  write('styles.css', `${Array.from({ length: 400 }, (_, i) => `.c${i} { margin: ${i % 16}px; color: #${(i * 2654435761 % 0xffffff).toString(16).padStart(6, '0')}; }`).join('\n')}\n`);
  const pages = [];
  for (let p = 0; p < PAGES; p += 1) {
    const components = [];
    for (let c = 0; c < COMPONENTS_PER_PAGE; c += 1) {
      const name = `component_${p}_${c}`;
      write(`components/${name}.js`, body(name, 3 + ((p * COMPONENTS_PER_PAGE + c) % 6)));
      components.push(name);
    }
    const imports = components.map((name) => `import * as ${name} from '../components/${name}.js';`).join('\n');
    write(`routes/page_${p}.js`, `${imports}\n${body(`page_${p}`, 6)}export const parts = [${components.join(', ')}];\n`);
    pages.push(`page_${p}`);
  }
  write('routes/index.js', `${pages.map((name) => `import * as ${name} from './${name}.js';`).join('\n')}\n${body('routes', 4)}export const pages = [${pages.join(', ')}];\n`);
  write(
    'main.js',
    [
      ...Object.keys(VENDORS).map((name) => `import '/vendor/${name}.js';`),
      "import '/utils/state.js';",
      "import env from '/env.json';",
      "import '/styles.css';",
      "import { pages } from '/routes/index.js';",
      "document.getElementById('root').textContent = `${pages.length} pages, ${Object.keys(env).length} endpoints`;",
      'window.__benchLoaded = { at: performance.now(), modules: globalThis.__benchModules };',
      '',
    ].join('\n'),
  );
}
