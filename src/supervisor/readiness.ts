// Readiness as docs/upstreams.md defines it: Django and the frontend when their port answers HTTP (any
// status), the Reflex backend when GET /ping (under its backend path) answers 200 ("Backend running
// at:" comes too early).
import { request } from 'node:http';

const CHECK_TIMEOUT_MS = 2_000;

function statusOf(url: URL, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || 80, path, method: 'GET', agent: false, timeout: CHECK_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

export async function answersHttp(url: URL): Promise<boolean> {
  return (await statusOf(url, '/')) !== undefined;
}

export async function pingIsOk(url: URL, backendPath = ''): Promise<boolean> {
  return (await statusOf(url, `${backendPath}/ping`)) === 200;
}
