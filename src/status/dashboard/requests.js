// Requests: the proxy's ring of finished requests, newest first, filtered by target, status class
// and path; paused, new ones wait aside; a click shows the headers (cookie names only).
import { $, byteCount, chips, clockTime, el, ruleText, statusCell, targetCell } from './dom.js';

export function createRequests() {
  const filters = $('#request-filters');
  const body = $('#request-table tbody');
  const detail = $('#request-detail');
  const pauseButton = $('#pause');
  /** Newest first, at most `kept` (the proxy's ring size, told in the first batch). */
  let entries = [];
  let waiting = [];
  let newestId = -1;
  let paused = false;
  let selectedId = null;
  let kept = 500;
  /** Requests the proxy finished faster than the page is sent them (it sends at most 400/s). */
  let skipped = 0;

  const matches = (entry) => {
    const target = filters.elements.target.value;
    const status = filters.elements.status.value;
    const path = filters.elements.path.value.trim();
    return (target === '' || entry.target === target) && (status === '' || String(entry.status)[0] === status) && (path === '' || entry.path.includes(path));
  };

  const row = (entry) =>
    el(
      'tr',
      { dataset: { id: entry.id, target: entry.target, rule: entry.rule ?? '', status: entry.status }, 'aria-selected': entry.id === selectedId ? 'true' : 'false', onclick: () => select(entry.id) },
      el('td', { class: 'mono' }, clockTime(entry.at)),
      el('td', {}, entry.method),
      el('td', { class: 'path' }, entry.path),
      el('td', { class: 'nowrap' }, ruleText(entry.rule, entry.prefix)),
      targetCell(entry.target),
      statusCell(entry.status),
      el('td', { class: 'num' }, entry.durationMs.toFixed(1)),
      el('td', { class: 'num' }, byteCount(entry.bytesOut)),
    );

  function note() {
    $('#count-requests').textContent = String(entries.length);
    const shown = body.children.length;
    const busy = skipped > 0 ? ` · ${skipped} more came too fast to list (over 400/s)` : '';
    $('#request-note').textContent = `${shown} shown of ${entries.length} kept (the proxy keeps the newest ${kept})${busy}${paused ? ` · paused, ${waiting.length} new waiting` : ''}`;
    $('#request-empty').hidden = shown > 0;
  }

  function render() {
    body.replaceChildren(...entries.filter(matches).map(row));
    note();
  }

  function take(fresh) {
    entries = fresh.concat(entries).slice(0, kept);
    const rows = fresh.filter(matches).map(row);
    body.prepend(...rows);
    // Rows of entries that fell out of the ring go too.
    const oldest = entries.at(-1)?.id ?? Infinity;
    while (body.lastElementChild && Number(body.lastElementChild.dataset.id) < oldest) body.lastElementChild.remove();
  }

  async function select(id) {
    selectedId = id;
    for (const tr of body.children) tr.setAttribute('aria-selected', String(Number(tr.dataset.id) === id));
    const answer = await fetch(`/__rdp/requests/${id}`, { headers: { Accept: 'application/json' } });
    if (selectedId !== id) return;
    detail.hidden = false;
    if (!answer.ok) {
      detail.replaceChildren(el('p', { class: 'muted' }, `Request ${id} is no longer kept (the proxy keeps the newest ${kept}).`));
      return;
    }
    showDetail(await answer.json());
  }

  const headerTable = (lines) => el('table', { class: 'headers' }, lines.map(([name, value]) => el('tr', {}, el('td', {}, name), el('td', {}, value))));

  function showDetail(request) {
    detail.replaceChildren(
      el('h3', {}, `${request.method} ${request.path}`),
      el('p', {}, el('span', { class: 'target', dataset: { target: request.target } }, request.target), ` · ${ruleText(request.rule, request.prefix)} · `, el('span', { class: 'status', dataset: { class: String(request.status)[0] } }, String(request.status)), ` · ${request.durationMs.toFixed(1)} ms · ${clockTime(request.at)}`),
      el('h2', {}, 'Cookies sent'),
      request.cookieNames.length > 0 ? chips(request.cookieNames) : el('p', { class: 'muted' }, 'none'),
      el('h2', {}, 'Cookies set'),
      request.setCookieNames.length > 0 ? chips(request.setCookieNames) : el('p', { class: 'muted' }, 'none'),
      el('h2', {}, 'Request headers'),
      headerTable(request.requestHeaders),
      el('h2', {}, 'Response headers'),
      headerTable(request.responseHeaders),
      el('p', { class: 'muted' }, 'Cookie values and credentials never leave the proxy: only their names are shown.'),
    );
  }

  filters.addEventListener('input', render);
  filters.addEventListener('submit', (event) => event.preventDefault());
  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    pauseButton.setAttribute('aria-pressed', String(paused));
    if (!paused && waiting.length > 0) {
      take(waiting);
      waiting = [];
    }
    note();
  });

  return {
    /** A batch from the proxy: `reset` replaces everything (a (re)connect), else newer entries. */
    add(batch) {
      if (batch.kept) kept = batch.kept;
      if (batch.reset) {
        entries = [];
        waiting = [];
        newestId = -1;
        skipped = 0;
      }
      skipped += batch.skipped ?? 0;
      const fresh = batch.entries.filter((entry) => entry.id > newestId);
      if (fresh.length > 0) newestId = fresh[0].id;
      if (batch.reset) {
        entries = fresh.slice(0, kept);
        render();
        return;
      }
      if (paused) waiting = fresh.concat(waiting).slice(0, kept);
      else take(fresh);
      note();
    },
  };
}
