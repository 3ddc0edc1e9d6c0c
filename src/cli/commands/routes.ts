// `routes`: the routing table in force, or where given paths go, with the same config loading as
// the server so what it prints is what the server does.
import { RdpError } from '../../errors.js';
import { describeRoutes, explainPath, explainText, routesTableText } from '../../config/routes-report.js';
import type { Command } from '../context.js';
import { resolveWithDiscovery } from '../discovery.js';

export const command: Command = {
  name: 'routes',
  usage: 'reflex-django-proxy routes [--json] [--method M] [--ws] [PATH...] [settings]',
  summary: 'Print the routing table in force, or where each PATH goes and which rule decided.',
  flags: [
    { flag: 'json', type: 'boolean', description: 'print JSON (shape in docs/routing.md §6)' },
    { flag: 'method', type: 'string', valueName: 'M', description: 'the method to ask about [GET]' },
    { flag: 'ws', type: 'boolean', description: 'ask about a WebSocket upgrade' },
  ],
  async run({ config: flags, own, positionals }, context) {
    const method = typeof own.method === 'string' ? own.method.toUpperCase() : 'GET';
    if (!/^[A-Z]+$/.test(method)) throw new RdpError('RDP_ERR_INVALID_OPTION', `--method: ${JSON.stringify(own.method)} is not valid; expected an HTTP method such as GET or POST`);
    for (const path of positionals) {
      if (!path.startsWith('/') && !/^https?:\/\//.test(path)) {
        throw new RdpError('RDP_ERR_INVALID_OPTION', `PATH: ${JSON.stringify(path)} is not valid; expected a request path starting with "/", such as /admin/`);
      }
    }
    const config = await resolveWithDiscovery(flags, context);
    const upgrade = own.ws === true;
    const paths = positionals.map((path) => explainPath(config, method, path, upgrade));
    if (own.json === true) {
      context.stdout.write(`${JSON.stringify(paths.length > 0 ? { paths } : describeRoutes(config), null, 2)}\n`);
    } else {
      context.stdout.write(paths.length > 0 ? `${paths.map(explainText).join('\n')}\n` : routesTableText(describeRoutes(config)));
    }
    return 0;
  },
};
