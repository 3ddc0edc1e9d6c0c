// The proxy itself: resolve the config, listen, and stop cleanly on SIGINT / SIGTERM (a second
// signal forces the exit, with 128 + the signal's number).
import { constants } from 'node:os';
import { resolveConfig } from '../../config/resolve.js';
import { RdpError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { createProxy } from '../../server.js';
import type { Command } from '../context.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
      for (const name of STOP_SIGNALS) process.once(name, (again) => process.exit(128 + constants.signals[again]));
      resolve(signal);
    };
    for (const name of STOP_SIGNALS) process.once(name, onSignal);
  });
}

export const command: Command = {
  name: 'start',
  usage: 'reflex-django-proxy [start] --django-url URL --reflex-backend-url URL (--reflex-frontend-url URL | --frontend-dir DIR) [settings]',
  summary: 'Serve Django, the Reflex backend and the Reflex frontend on one origin, routed as django_outer does.',
  flags: [],
  async run({ config: flags, positionals }, context) {
    if (positionals.length > 0) {
      throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unexpected argument "${positionals[0]}"; commands are start, routes (see --help)`);
    }
    const config = await resolveConfig({ flags, env: context.env, cwd: context.cwd, stdoutIsTTY: context.stdout.isTTY === true });
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const proxy = await createProxy(config, logger);
    const stopped = untilStopSignal();
    const address = await proxy.listen();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    logger.info(
      {
        url: `http://${host}:${address.port}`,
        publicUrl: config.publicUrl ?? `http://localhost:${address.port}`,
        upstreams: Object.fromEntries([...proxy.upstreams].map(([name, upstream]) => [name, upstream.url.origin])),
        frontendDir: config.frontendDir,
        djangoPrefixes: config.djangoPrefixes.map((entry) => entry.prefix),
      },
      'proxy listening',
    );
    const signal = await stopped;
    logger.info({ signal }, 'stopping');
    await proxy.close();
    return 0;
  },
};
