// The frontend as an exported Reflex build (`--frontend-dir`), looked up as reflex-django does:
// <path>, <path>.html, <path>/index.html, then the SPA shell. The shell is React Router's
// __spa-fallback.html when the build has one: index.html is prerendered for `/` only, and served at
// another path it fails to hydrate (React error #418); older builds have only index.html. The .gz
// Reflex writes beside each file is sent to clients that accept gzip. Nothing outside the directory
// is served: the decoded path is confined lexically, then by real path, so `..`, `%2e%2e` and
// symlinks out fail.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import mime from 'mime';
import type { AccessLog } from './access-log.js';
import { proxyAnswer } from './answers.js';
import { ALLOW_HEADER, type ForwardDecision } from '../router.js';
import { ROUTE_HEADER, type RouteLabels } from './route-label.js';

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, decision: ForwardDecision) => void;

interface Found {
  readonly file: string;
  readonly size: number;
  readonly mtime: Date;
}

const SHELLS = ['/__spa-fallback.html', '/index.html'];

function candidates(path: string): string[] {
  const clean = path.replace(/\/+$/, '');
  // `/` is the one page index.html was prerendered for.
  const own = clean === '' ? ['/index.html'] : [clean, `${clean}.html`, `${clean}/index.html`];
  return [...own, ...SHELLS];
}

/** Accept-Encoding admits gzip: named, or `*`, with a q above 0. */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((entry) => {
    const [coding, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function contentTypeOf(file: string): string {
  const type = mime.getType(extname(file)) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' ? `${type}; charset=utf-8` : type;
}

export async function createStaticHandler(directory: string, accessLog: AccessLog, routeLabels: RouteLabels | undefined): Promise<StaticHandler> {
  const root = await realpath(directory);
  const isInside = (file: string): boolean => file === root || file.startsWith(root + sep);

  async function find(relative: string): Promise<Found | undefined> {
    return fileAt(join(root, relative));
  }

  async function fileAt(lexical: string): Promise<Found | undefined> {
    if (lexical.includes('\0') || !isInside(lexical)) return undefined;
    try {
      const real = await realpath(lexical);
      if (!isInside(real)) return undefined;
      const stats = await stat(real);
      return stats.isFile() ? { file: real, size: stats.size, mtime: stats.mtime } : undefined;
    } catch {
      return undefined;
    }
  }

  async function lookup(path: string): Promise<Found | undefined> {
    for (const candidate of candidates(path)) {
      const found = await find(candidate);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The file and, when the build has one, its gzipped sibling. */
  async function lookupWithGzip(path: string): Promise<{ found: Found; gzipped: Found | undefined } | undefined> {
    const found = await lookup(path);
    return found === undefined ? undefined : { found, gzipped: await fileAt(`${found.file}.gz`) };
  }

  return function serveStatic(req, res, decision) {
    const { path } = decision;
    accessLog.trackHttp(req, res, decision.target, 'frontend-dir', decision);
    const route = routeLabels?.of(decision);
    if (route !== undefined) res.setHeader(ROUTE_HEADER, route);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { Allow: ALLOW_HEADER }).end();
      return;
    }
    lookupWithGzip(path).then(
      (files) => {
        if (files === undefined) {
          const answer = proxyAnswer('RDP_ERR_NOT_FOUND', `no file for ${path} in the frontend directory, and no __spa-fallback.html or index.html`, req.headers.accept);
          res.writeHead(answer.status, answer.headers).end(answer.body);
          return;
        }
        const { found, gzipped } = files;
        const sent = gzipped !== undefined && acceptsGzip(req.headers['accept-encoding']) ? gzipped : found;
        res.writeHead(200, {
          'Content-Type': contentTypeOf(found.file),
          'Content-Length': sent.size,
          'Last-Modified': sent.mtime.toUTCString(),
          'Cache-Control': 'no-cache',
          ...(sent === gzipped ? { 'Content-Encoding': 'gzip' } : {}),
          // A cache must keep both answers apart once the build has a gzipped one.
          ...(gzipped === undefined ? {} : { Vary: 'Accept-Encoding' }),
        });
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        const stream = createReadStream(sent.file);
        stream.once('error', () => res.destroy());
        stream.pipe(res);
      },
      () => res.destroy(),
    );
  };
}
