// Upstreams: each one's URL and state; for a supervised one its PID, restarts, last exit and newest
// log lines, kept scrolled to the end unless the reader scrolled up.
import { $, clockTime, el } from './dom.js';

export function createUpstreams() {
  const cards = $('#upstream-cards');

  function card(upstream, previous) {
    const facts = [
      ['URL', upstream.url],
      ['state', upstream.state],
      ...(upstream.supervised
        ? [
            ['PID', upstream.pid ?? '—'],
            ['restarts', upstream.restarts],
            ['last exit', upstream.lastExit === null ? '—' : `${upstream.lastExit.how} at ${clockTime(upstream.lastExit.at)}`],
          ]
        : [['supervised', 'no: started outside the proxy']]),
    ];
    const log = el('pre', { class: 'log' }, upstream.logTail.length > 0 ? upstream.logTail.join('\n') : upstream.supervised ? '(no output yet)' : '(the proxy does not run it, so it has no log here)');
    const wasAtEnd = previous === undefined || previous.scrollTop + previous.clientHeight >= previous.scrollHeight - 4;
    const node = el(
      'article',
      { class: 'card', dataset: { upstream: upstream.name, state: upstream.state } },
      el('h3', { dataset: { state: upstream.state } }, el('span', { class: 'dot' }), upstream.name, el('span', { class: 'muted' }, upstream.state)),
      el('dl', { class: 'facts' }, facts.map(([name, value]) => [el('dt', {}, name), el('dd', { dataset: { fact: name } }, String(value))])),
      el('h2', {}, `Last ${upstream.logTail.length} log lines`),
      log,
    );
    return { node, log, keepAtEnd: wasAtEnd, previousTop: previous?.scrollTop ?? 0 };
  }

  return {
    show(upstreams) {
      const logs = new Map([...cards.querySelectorAll('article')].map((node) => [node.dataset.upstream, node.querySelector('pre')]));
      const built = upstreams.map((upstream) => card(upstream, logs.get(upstream.name)));
      cards.replaceChildren(...built.map((entry) => entry.node));
      for (const entry of built) entry.log.scrollTop = entry.keepAtEnd ? entry.log.scrollHeight : entry.previousTop;
    },
  };
}
