export { resolveConfig, DEFAULTS, type ResolvedConfig, type ConfigInput, type Source } from './config/resolve.js';
export { OPTIONS } from './config/options.js';
export { createProxy, type ProxyServer } from './server.js';
export type { TlsMaterial } from './proxy/secure-server.js';
export { route, matches, decodePath, normalizePrefix, DEFAULT_DJANGO_PREFIXES, DEFAULT_RESERVED_PREFIXES, type Decision, type RouteTable } from './router.js';
export { describeRoutes, explainPath, type RoutesReport, type PathReport } from './config/routes-report.js';
export { createLogger } from './log.js';
export { RdpError, ERRORS, type ErrorCode } from './errors.js';
export { run } from './cli/main.js';
