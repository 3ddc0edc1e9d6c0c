// A real Vite dev server as the frontend behind the proxy: the page and its modules load through
// the proxy's origin, and the HMR socket (docs/routing.md §1 row 2) connects through it with Vite's
// token and `vite-hmr` subprotocol — or comes back as Vite's own HTTP refusal.
import t from 'tap';
import { freePort, request, startProxy, startVite, viteHmr, viteHmrToken } from './helpers/index.js';

const vite = await startVite(t);
const unused = `http://127.0.0.1:${await freePort()}`;
const proxy = await startProxy(t, ['--django-url', unused, '--reflex-backend-url', unused, '--reflex-frontend-url', vite.url]);
const proxyOrigin = `http://127.0.0.1:${proxy.port}`;

t.test('the page and its modules load through the proxy', async (t) => {
  const page = await request(`${proxy.url}/`);
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.text(), '<script type="module" src="/@vite/client"></script>', "Vite's client injected");
  t.match(page.text(), '<span id="user">', 'the fixture page');

  const client = await request(`${proxy.url}/@vite/client`);
  t.equal(client.status, 200);
  t.match(client.headers['content-type'], /javascript/);
  t.match(client.text(), /const wsToken = "[^"]+";/);

  const main = await request(`${proxy.url}/main.js`);
  t.equal(main.status, 200);
  t.match(main.headers['content-type'], /javascript/);
  const dep = /from "([^"]*socket__io-client[^"]*)"/.exec(main.text())?.[1];
  t.ok(dep, 'main.js imports the pre-bundled socket.io-client');
  if (dep) t.equal((await request(`${proxy.url}${dep}`)).status, 200, 'the pre-bundled dependency loads too');
});

t.test('the HMR socket connects through the proxy', async (t) => {
  const token = await viteHmrToken(proxy.url);
  const outcome = await viteHmr(proxyOrigin, token);
  t.same(outcome, { opened: true, protocol: 'vite-hmr', first: '{"type":"connected"}' });
});

t.test("a wrong token gets Vite's own refusal as an HTTP error, not an open socket", async (t) => {
  const outcome = await viteHmr(proxyOrigin, 'not-the-token');
  t.same(outcome, { opened: false, status: 400 });
});
