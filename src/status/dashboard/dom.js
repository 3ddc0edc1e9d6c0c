// Small DOM helpers. Text goes in through textContent only, never as HTML: paths, headers and log
// lines come from the network and from the upstreams.

/** `el('td', { class: 'num', dataset: { id: 3 } }, 'text', childNode)` */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') for (const [name, data] of Object.entries(value)) node.dataset[name] = String(data);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const $ = (selector) => document.querySelector(selector);

export function clockTime(epochMs) {
  const time = new Date(epochMs);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

export function byteCount(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `rule 3 · /admin`, as the X-RDP-Route header and `routes PATH` name it. */
export function ruleText(rule, prefix) {
  if (rule === null || rule === undefined) return '—';
  return prefix ? `rule ${rule} · ${prefix}` : `rule ${rule}`;
}

export function targetCell(target) {
  return el('td', { class: 'target', dataset: { target } }, target);
}

export function statusCell(status) {
  return el('td', { class: 'status', dataset: { class: String(status)[0] } }, String(status));
}

export function chips(names) {
  return el('span', { class: 'chips' }, names.map((name) => el('span', { class: 'chip' }, name)));
}

export function replaceChildren(parent, children) {
  parent.replaceChildren(...children);
}
