// The dashboard's files (src/status/dashboard/, copied beside this module by the build): plain
// HTML, CSS and ES modules, read once, served as they are. The page gets the per-process token
// written in, so only a page this proxy served can run verify.
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';

const DIRECTORY = new URL('./dashboard/', import.meta.url);
const TOKEN_SLOT = '{{token}}';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Nothing the page loads comes from elsewhere, and nothing inline runs. */
export const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface Asset {
  readonly contentType: string;
  readonly body: string;
}

export interface DashboardAssets {
  page(token: string): string;
  /** A file the page loads, by name (app.js, style.css …); undefined for anything else. */
  file(name: string): Asset | undefined;
}

let loaded: DashboardAssets | undefined;

/** Read on the first request for the page, so the other endpoints never depend on these files. */
export function dashboardAssets(): DashboardAssets {
  loaded ??= load();
  return loaded;
}

function load(): DashboardAssets {
  const files = new Map<string, Asset>();
  for (const name of readdirSync(DIRECTORY)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType !== undefined) files.set(name, { contentType, body: readFileSync(new URL(name, DIRECTORY), 'utf8') });
  }
  const page = files.get('index.html');
  if (page === undefined) throw new Error(`the dashboard's index.html is missing from ${DIRECTORY.pathname}: rebuild the package`);
  files.delete('index.html');
  return {
    page: (token) => page.body.replace(TOKEN_SLOT, token),
    file: (name) => files.get(name),
  };
}
