// Routes: the table in force, each prefix with where its value came from, and the same answer for
// one request as `reflex-django-proxy routes PATH` gives.
import { $, el } from './dom.js';

export function createRoutes() {
  const form = $('#explain');
  const answer = $('#explain-answer');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ path: form.elements.path.value, method: form.elements.method.value });
    if (form.elements.ws.checked) query.set('ws', '1');
    const response = await fetch(`/__rdp/explain?${query}`, { headers: { Accept: 'application/json' } });
    const body = await response.json();
    answer.dataset.target = response.ok ? body.target : 'error';
    answer.textContent = response.ok ? body.text : body.message;
  });

  return {
    show(hello) {
      const { routes, ruleNames } = hello;
      $('#rule-list').replaceChildren(...Object.values(ruleNames).map((name) => el('li', {}, name)));
      const rows = [
        ...routes.reflexPrefixes.map((entry) => [entry.prefix, 'reflex', entry.source]),
        ...routes.djangoPrefixes.map((entry) => [entry.prefix, 'django', entry.source]),
        ...(routes.djangoWsPrefix === null ? [] : [[routes.djangoWsPrefix, 'django (WebSocket upgrades)', 'flag, environment or config']]),
      ];
      $('#prefix-table tbody').replaceChildren(
        ...rows.map(([prefix, target, source]) => el('tr', {}, el('td', { class: 'path' }, prefix), el('td', { class: 'target', dataset: { target: target.split(' ')[0] } }, target), el('td', {}, source))),
      );
      $('#route-upstreams tbody').replaceChildren(
        ...Object.entries(routes.upstreams).map(([name, url]) =>
          el('tr', {}, el('td', { class: 'target', dataset: { target: name } }, name), el('td', { class: 'path' }, url === null ? '(not set)' : `${url}${name === 'frontend' && routes.frontendKind === 'directory' ? ' (build directory)' : ''}`)),
        ),
      );
    },
  };
}
