// The frontend as an exported Reflex build (`--frontend-dir`), looked up as reflex-django does:
// <path>, <path>.html, <path>/index.html, then index.html. Nothing outside the directory is served:
// the decoded path is confined lexically, then by real path, so `..`, `%2e%2e` and symlinks out fail.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import mime from 'mime';
import type { AccessLog } from './access-log.js';
import { proxyAnswer } from './answers.js';
import { ALLOW_HEADER, type ForwardDecision } from '../router.js';

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, decision: ForwardDecision) => void;

interface Found {
  readonly file: string;
  readonly size: number;
  readonly mtime: Date;
}

function candidates(path: string): string[] {
  const clean = path.replace(/\/+$/, '');
  const own = clean === '' ? [] : [clean, `${clean}.html`, `${clean}/index.html`];
  return [...own, '/index.html'];
}

function contentTypeOf(file: string): string {
  const type = mime.getType(extname(file)) ?? 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' ? `${type}; charset=utf-8` : type;
}

export async function createStaticHandler(directory: string, accessLog: AccessLog): Promise<StaticHandler> {
  const root = await realpath(directory);
  const isInside = (file: string): boolean => file === root || file.startsWith(root + sep);

  async function find(relative: string): Promise<Found | undefined> {
    if (relative.includes('\0')) return undefined;
    const lexical = join(root, relative);
    if (!isInside(lexical)) return undefined;
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

  return function serveStatic(req, res, decision) {
    const { path } = decision;
    accessLog.trackHttp(req, res, decision.target, 'frontend-dir', decision.rule);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { Allow: ALLOW_HEADER }).end();
      return;
    }
    lookup(path).then(
      (found) => {
        if (found === undefined) {
          const answer = proxyAnswer('RDP_ERR_NOT_FOUND', `no file for ${path} in the frontend directory, and no index.html`, req.headers.accept);
          res.writeHead(answer.status, answer.headers).end(answer.body);
          return;
        }
        res.writeHead(200, {
          'Content-Type': contentTypeOf(found.file),
          'Content-Length': found.size,
          'Last-Modified': found.mtime.toUTCString(),
          'Cache-Control': 'no-cache',
        });
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        const stream = createReadStream(found.file);
        stream.once('error', () => res.destroy());
        stream.pipe(res);
      },
      () => res.destroy(),
    );
  };
}
