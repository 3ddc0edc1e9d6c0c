// Every error the proxy reports has a code here, and its HTTP status or exit code: the one map from
// code to status. The documented error table is checked against this registry in both directions
// (test/docs.test.ts), so a code cannot exist undocumented.

export const EXIT_OK = 0;
/** A runtime failure, or a finding from `verify` / `doctor`. */
export const EXIT_FAILURE = 1;
/** Something the user must fix in the invocation: one line, no stack. */
const EXIT_USAGE = 2;

interface ErrorSpec {
  /** HTTP status when the error answers a request; 499 is logged, never sent. */
  readonly status?: number;
  /** Exit status when the error ends the CLI. */
  readonly exitCode?: number;
  readonly summary: string;
}

export const ERRORS = Object.freeze({
  RDP_ERR_UNKNOWN_OPTION: { exitCode: EXIT_USAGE, summary: 'a flag, environment variable or config key that does not exist' },
  RDP_ERR_INVALID_OPTION: { exitCode: EXIT_USAGE, summary: 'a flag, environment variable or config value that cannot be used' },
  RDP_ERR_MISSING_OPTION: { exitCode: EXIT_USAGE, summary: 'a required flag is missing' },
  RDP_ERR_CONFIG_FILE: { exitCode: EXIT_USAGE, summary: 'the --config file cannot be read or is not a JSON object' },
  RDP_ERR_CERTIFICATE: { exitCode: EXIT_USAGE, summary: '--https cannot get a certificate: a --cert/--key pair missing, unreadable, mismatched or expired, or no cache directory for the local CA' },
  RDP_ERR_PROJECT: { exitCode: EXIT_USAGE, summary: 'the project cannot be run: no manage.py, no rxconfig.py, no reflex executable' },
  RDP_ERR_LISTEN: { exitCode: EXIT_FAILURE, summary: 'the proxy cannot listen on its address (port taken, no permission)' },
  RDP_ERR_PORT_IN_USE: { exitCode: EXIT_FAILURE, summary: "a child's port is taken, or no free port was found near the default" },
  RDP_ERR_CHILD_FAILED: { exitCode: EXIT_FAILURE, summary: 'a supervised command cannot start, or exits before it is ready' },
  RDP_ERR_DJANGO_SETTINGS: { exitCode: EXIT_FAILURE, summary: "doctor cannot load the Django settings with the project's interpreter" },
  RDP_ERR_BAD_REQUEST: { status: 400, summary: 'a request the HTTP parser refused (malformed line or header, conflicting lengths), two Host headers or none, a WebSocket handshake with a body' },
  RDP_ERR_BAD_TARGET: { status: 400, summary: 'a request target that is neither a path nor an absolute http URL' },
  RDP_ERR_STATUS_FORBIDDEN: { status: 403, summary: '/__rdp/ asked by a non-loopback client without --expose-status' },
  RDP_ERR_STATUS_HOST: { status: 403, summary: "/__rdp/ asked with a Host that is not the proxy's own name (the DNS rebinding guard)" },
  RDP_ERR_STATUS_ACTION: { status: 403, summary: "the dashboard's verify runner asked without this page's Origin and token" },
  RDP_ERR_NOT_FOUND: { status: 404, summary: 'nothing to serve: no file in --frontend-dir, or a WebSocket to a build directory' },
  RDP_ERR_METHOD_NOT_ALLOWED: { status: 405, summary: 'a method other than GET, HEAD, OPTIONS on a frontend path' },
  RDP_ERR_HEADERS_TIMEOUT: { status: 408, summary: 'the client did not finish its headers within --headers-timeout' },
  RDP_ERR_HEADERS_TOO_LARGE: { status: 431, summary: 'request headers over 16 KiB' },
  RDP_ERR_CLIENT_CLOSED: { status: 499, summary: 'the client went away before the response was complete (logged only)' },
  RDP_ERR_TRANSFER_CODING: { status: 501, summary: 'a request Transfer-Encoding other than chunked (gzip, chunked)' },
  RDP_ERR_UPSTREAM_FAILED: { status: 502, summary: 'the upstream failed or reset after the request was sent' },
  RDP_ERR_UPSTREAM_UNAVAILABLE: { status: 503, summary: 'the upstream refused connections until --hold-timeout passed' },
  RDP_ERR_UPSTREAM_TIMEOUT: { status: 504, summary: 'the upstream took the request but sent no answer within --response-timeout (plain HTTP) or --upgrade-timeout (WebSocket handshake)' },
} satisfies Record<string, ErrorSpec>);

export type ErrorCode = keyof typeof ERRORS;

export class RdpError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RdpError';
    this.code = code;
  }
  get exitCode(): number {
    const spec: ErrorSpec = ERRORS[this.code];
    return spec.exitCode ?? EXIT_FAILURE;
  }
}

export function statusFor(code: ErrorCode): number {
  const spec: ErrorSpec = ERRORS[code];
  return spec.status ?? 500;
}
