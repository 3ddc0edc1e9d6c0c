// The dashboard: one EventSource on /__rdp/events feeds every panel; tabs are the URL's hash.
import { $, el } from './dom.js';
import { createRequests } from './requests.js';
import { createRoutes } from './routes.js';
import { createSockets } from './sockets.js';
import { createUpstreams } from './upstreams.js';
import { createVerify } from './verify.js';

const token = document.querySelector('meta[name="rdp-token"]').content;
const panels = {
  requests: createRequests(),
  sockets: createSockets(),
  upstreams: createUpstreams(),
  routes: createRoutes(),
  verify: createVerify(token),
};

function showTab() {
  const wanted = location.hash.slice(1);
  const name = wanted in panels ? wanted : 'requests';
  for (const section of document.querySelectorAll('main > .panel')) section.hidden = section.id !== name;
  for (const tab of document.querySelectorAll('.tabs a')) {
    if (tab.dataset.tab === name) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
}
window.addEventListener('hashchange', showTab);
showTab();

function showPills(upstreams) {
  $('#upstream-pills').replaceChildren(
    ...upstreams.map((upstream) =>
      el('li', { class: 'pill', dataset: { upstream: upstream.name, state: upstream.state }, title: upstream.url }, el('span', { class: 'dot' }), `${upstream.name} ${upstream.state}`),
    ),
  );
}

const live = $('#live');
const events = new EventSource('/__rdp/events');
const on = (name, handle) => events.addEventListener(name, (event) => handle(JSON.parse(event.data)));
events.addEventListener('open', () => {
  live.dataset.state = 'live';
  live.textContent = 'live';
});
events.addEventListener('error', () => {
  live.dataset.state = 'lost';
  live.textContent = 'reconnecting…';
});
on('hello', (hello) => {
  const origin = $('#origin');
  origin.textContent = hello.publicUrl;
  origin.href = hello.publicUrl;
  panels.routes.show(hello);
});
on('upstreams', (upstreams) => {
  showPills(upstreams);
  panels.upstreams.show(upstreams);
});
on('requests', (batch) => panels.requests.add(batch));
on('sockets', (sockets) => panels.sockets.show(sockets));
