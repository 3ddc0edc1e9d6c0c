// Side ports for the children: the given one must be free; otherwise the first free one from a
// conventional start (8001, 8002, 3000), so a second checkout next door still starts.
import { createServer } from 'node:net';
import { RdpError } from '../errors.js';

const SEARCH_SPAN = 100;

function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function choosePort(flag: string, given: number | undefined, preferred: number, host: string, taken: ReadonlySet<number>): Promise<number> {
  if (given !== undefined) {
    if (!(await isPortFree(given, host))) {
      throw new RdpError('RDP_ERR_PORT_IN_USE', `--${flag}: ${host}:${given} is already in use; stop what uses it, or choose another with --${flag}`);
    }
    return given;
  }
  for (let port = preferred; port < preferred + SEARCH_SPAN; port += 1) {
    if (!taken.has(port) && (await isPortFree(port, host))) return port;
  }
  throw new RdpError('RDP_ERR_PORT_IN_USE', `--${flag}: no free port in ${preferred}–${preferred + SEARCH_SPAN - 1} on ${host}; choose one with --${flag}`);
}
