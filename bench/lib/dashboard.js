// `--dashboard`: one open dashboard during a benchmark, i.e. a client of /__rdp/events reading every
// event the proxy streams (as the page does), so its cost shows in the proxy's figures.
import { request } from 'node:http';

export function openDashboard(proxyUrl) {
  return new Promise((resolve, reject) => {
    const stats = { events: 0, bytes: 0 };
    const req = request(`${proxyUrl}/__rdp/events`, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`/__rdp/events answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        stats.bytes += Buffer.byteLength(chunk);
        stats.events += (chunk.match(/^event: /gm) ?? []).length;
      });
      res.on('error', () => {});
      resolve({ stats, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
