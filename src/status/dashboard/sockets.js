// Sockets: every open WebSocket (its age ticks here between updates) and the recently closed or
// refused ones, each with the cookie names its handshake carried.
import { $, byteCount, chips, clockTime, duration, el, ruleText, statusCell, targetCell } from './dom.js';

export function createSockets() {
  const openBody = $('#open-sockets tbody');
  const closedBody = $('#closed-sockets tbody');
  let open = [];
  let receivedAt = Date.now();

  const cookieCell = (socket) => el('td', { dataset: { cookies: socket.cookieNames.join(' ') } }, socket.cookieNames.length > 0 ? chips(socket.cookieNames) : el('span', { class: 'muted' }, 'none'));
  const common = (socket) => [
    el('td', { class: 'mono' }, clockTime(socket.at)),
    el('td', { class: 'path' }, socket.path),
    el('td', { class: 'nowrap' }, ruleText(socket.rule, socket.prefix)),
    targetCell(socket.target),
  ];

  function openRow(socket) {
    return el(
      'tr',
      { dataset: { id: socket.id, target: socket.target } },
      ...common(socket),
      el('td', { class: 'mono' }, socket.protocol ?? '—'),
      el('td', { class: 'num age', dataset: { age: socket.ageMs } }, duration(socket.ageMs)),
      el('td', { class: 'num' }, byteCount(socket.bytesIn)),
      el('td', { class: 'num' }, byteCount(socket.bytesOut)),
      cookieCell(socket),
    );
  }

  function closedRow(socket) {
    return el(
      'tr',
      { dataset: { id: socket.id, target: socket.target, status: socket.status } },
      ...common(socket),
      statusCell(socket.status),
      el('td', { class: 'num' }, duration(socket.ageMs)),
      el('td', { class: 'num' }, byteCount(socket.bytesIn)),
      el('td', { class: 'num' }, byteCount(socket.bytesOut)),
      el('td', {}, socket.closeCode === null ? '—' : String(socket.closeCode)),
      el('td', {}, socket.closedBy ?? '—'),
      cookieCell(socket),
    );
  }

  // Ages move on between the proxy's updates, which come only when something changed.
  setInterval(() => {
    const elapsed = Date.now() - receivedAt;
    for (const cell of openBody.querySelectorAll('td.age')) cell.textContent = duration(Number(cell.dataset.age) + elapsed);
  }, 1000);

  return {
    show(sockets) {
      open = sockets.open;
      receivedAt = Date.now();
      openBody.replaceChildren(...open.map(openRow));
      closedBody.replaceChildren(...sockets.closed.map(closedRow));
      $('#open-empty').hidden = open.length > 0;
      $('#closed-empty').hidden = sockets.closed.length > 0;
      $('#count-sockets').textContent = `${open.length} open`;
    },
  };
}
