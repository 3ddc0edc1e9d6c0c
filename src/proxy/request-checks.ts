// Requests refused before routing: ones Node's parser lets through but an upstream would read
// differently from the proxy (two Hosts), could not read at all (a transfer coding only the client
// knows), or would wait on forever (a WebSocket handshake announcing a body that is never
// forwarded). docs/routing.md §3 says which headers cross; this says which requests may.
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../errors.js';

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

function hostLines(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') count++;
  return count;
}

/**
 * RFC 9112 §6.1: a server answers 501 to a transfer coding it does not implement. Node has already
 * refused lists that do not end in a single `chunked`; what is left to refuse is anything before it
 * (`gzip, chunked`), which would otherwise reach the upstream as a still-encoded plain body.
 */
function unimplementedCodings(transferEncoding: string): string[] {
  return transferEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== 'chunked');
}

export function refusalOf(req: IncomingMessage, isUpgrade: boolean): Refusal | undefined {
  const hosts = hostLines(req.rawHeaders);
  if (hosts > 1) {
    return { code: 'RDP_ERR_BAD_REQUEST', message: `${hosts} Host headers: an upstream could believe either; send exactly one Host` };
  }
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
    return { code: 'RDP_ERR_BAD_REQUEST', message: 'no Host header: HTTP/1.1 requires one (RFC 9112 §3.2)' };
  }
  const transferEncoding = req.headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    const codings = unimplementedCodings(transferEncoding);
    if (codings.length > 0) {
      return {
        code: 'RDP_ERR_TRANSFER_CODING',
        message: `Transfer-Encoding: ${codings.join(', ')} is not implemented (only chunked is); send the body encoded with Content-Encoding instead`,
      };
    }
  }
  if (isUpgrade) {
    const length = req.headers['content-length'];
    if (transferEncoding !== undefined || (length !== undefined && length !== '0')) {
      const announced = transferEncoding === undefined ? `Content-Length: ${length}` : `Transfer-Encoding: ${transferEncoding}`;
      return { code: 'RDP_ERR_BAD_REQUEST', message: `a WebSocket handshake carries no body (${announced}); send it without one` };
    }
  }
  return undefined;
}
