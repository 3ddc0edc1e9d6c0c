// Verify: runs the `verify` checks in the proxy against itself and shows each as it finishes. The
// credentials are sent to this proxy only (same origin, with the page's token) and kept nowhere.
import { $, el } from './dom.js';

const MARKS = { pass: '✔', warn: '!', fail: '✖', skipped: '–' };

export function createVerify(token) {
  const form = $('#verify-form');
  const results = $('#verify-results');
  const summary = $('#verify-summary');
  const button = $('#verify-run');

  const checkItem = (check) =>
    el(
      'li',
      { class: 'check', dataset: { id: check.id, status: check.status } },
      el('span', { class: 'badge' }, check.status === 'skipped' && check.needs !== null ? `skipped (needs ${check.needs})` : check.status),
      el('div', { class: 'name' }, `${MARKS[check.status]} ${check.id}. ${check.name}`),
      el('div', { class: 'reason' }, check.reason),
      check.fix === null ? null : el('div', { class: 'fix' }, check.fix),
    );

  async function readLines(response, onLine) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let newline;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') onLine(JSON.parse(line));
      }
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    button.disabled = true;
    results.replaceChildren();
    summary.textContent = 'running…';
    summary.dataset.outcome = 'running';
    try {
      const response = await fetch('/__rdp/verify', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson', 'X-RDP-Token': token },
        body: JSON.stringify({ username: fields.username || undefined, password: fields.password || undefined, sessionCookie: fields.sessionCookie, loginPath: fields.loginPath }),
        cache: 'no-store',
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
        summary.dataset.outcome = 'error';
        summary.textContent = body.message;
        return;
      }
      await readLines(response, (line) => {
        if (line.summary === undefined) {
          results.append(checkItem(line));
          return;
        }
        const { passed, warned, failed, skipped } = line.summary;
        summary.dataset.outcome = failed > 0 ? 'fail' : 'pass';
        summary.textContent = `${passed} passed, ${warned} warned, ${failed} failed, ${skipped} skipped`;
      });
    } catch (error) {
      summary.dataset.outcome = 'error';
      summary.textContent = `verify could not run: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });

  return {};
}
