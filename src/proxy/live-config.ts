// The config in force while the proxy runs: the same one, with the reserved prefixes rebuilt each
// time the Reflex app's env.json changes (Reflex restarted with another REFLEX_BACKEND_PATH or
// REFLEX_API_URL), so the router, /__rdp/routes and the socket check follow without a restart.
import type { Logger } from 'pino';
import { type ResolvedConfig, withEnvJson } from '../config/resolve.js';
import { watchEnvJson } from '../project/env-json.js';

export interface LiveConfig {
  current(): ResolvedConfig;
  close(): void;
}

function sameText(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function liveConfig(config: ResolvedConfig, logger: Logger): LiveConfig {
  let current = config;
  const file = config.envJson?.file;
  if (file === undefined) return { current: () => current, close: () => {} };
  const stop = watchEnvJson(file, (read) => {
    const next = withEnvJson(current, read);
    if (sameText(next.envJson, current.envJson)) return;
    current = next;
    const endpoints = read.kind === 'ok' ? read.envJson.endpoints : undefined;
    const why = read.kind === 'invalid' ? read.reason : read.kind === 'missing' ? 'it is gone: the defaults apply until Reflex writes it again' : undefined;
    logger.info({ file, endpoints, reason: why, reflexPrefixes: current.routeTable.reflexPrefixes }, 'reflex .web/env.json changed: routing follows it');
  });
  return { current: () => current, close: stop };
}
