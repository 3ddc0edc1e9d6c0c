// The idle collector: one full collection once relays stop coming and going, never for a handful
// of them, never while they keep churning; the collection it runs is a real one; and the proxy runs
// it after a burst of WebSockets (what it gives back is measured by bench/benches/ws-memory.js).
import t from 'tap';
import WebSocket from 'ws';
import { IdleCollector } from '../src/proxy/idle-collector.js';
import { sleep, startProxy } from './helpers/index.js';
import { startRecorder } from './helpers/recorder.js';

t.test('below the threshold nothing is collected', async (t) => {
  let collections = 0;
  const collector = new IdleCollector({ idleMs: 20, threshold: 5, collect: () => collections++ });
  t.teardown(() => collector.stop());
  for (let i = 0; i < 4; i++) collector.note();
  await sleep(200);
  t.equal(collections, 0);
});

t.test('at the threshold: a collection once the churn has stopped, a second one later; then the count starts again', async (t) => {
  let collections = 0;
  const reports: number[] = [];
  const collector = new IdleCollector({ idleMs: 50, shrinkAfterMs: 100, threshold: 5, collect: () => collections++, onCollected: (c) => reports.push(c.sizeAfter) });
  t.teardown(() => collector.stop());
  for (let i = 0; i < 10; i++) collector.note();
  t.equal(collections, 0, 'not while relays are still coming and going');
  for (const deadline = Date.now() + 5000; collections < 2 && Date.now() < deadline; ) await sleep(10);
  t.equal(collections, 2, 'two collections after the idle time');
  t.equal(reports.length, 2, 'each reported');
  t.ok(reports.every((heap) => heap > 0), 'with the heap size');
  for (let i = 0; i < 4; i++) collector.note();
  await sleep(300);
  t.equal(collections, 2, 'the churn counted before it does not count again');
});

t.test('churn resuming before the second collection waits for quiet again', async (t) => {
  let collections = 0;
  const collector = new IdleCollector({ idleMs: 50, shrinkAfterMs: 10_000, threshold: 2, collect: () => collections++ });
  t.teardown(() => collector.stop());
  collector.note();
  collector.note();
  for (const deadline = Date.now() + 5000; collections < 1 && Date.now() < deadline; ) await sleep(10);
  t.equal(collections, 1);
  collector.note();
  collector.note();
  for (const deadline = Date.now() + 5000; collections < 2 && Date.now() < deadline; ) await sleep(10);
  t.equal(collections, 2, 'a new burst gets its own first collection, not the long wait of the old second');
});

t.test('the collection is V8 reclaiming unreachable objects', async (t) => {
  const collector = new IdleCollector({ idleMs: 1, threshold: 1 });
  t.teardown(() => collector.stop());
  let target: object | undefined = { payload: new Array(1000).fill('x') };
  const weak = new WeakRef(target);
  target = undefined;
  // A WeakRef's target lives at least until the end of the job that read it: yield first.
  await sleep(0);
  t.ok(weak.deref() !== undefined, 'still there before any collection');
  collector.note();
  for (const deadline = Date.now() + 5000; weak.deref() !== undefined && Date.now() < deadline; ) await sleep(10);
  t.equal(weak.deref(), undefined, 'gone after the collection');
  t.equal((globalThis as { gc?: unknown }).gc, undefined, 'gc() is not left exposed to the program');
});

t.test('the proxy collects once a burst of WebSockets has come and gone', async (t) => {
  const upstream = await startRecorder(t, 'reflex');
  const proxy = await startProxy(t, ['--django-url', upstream.url, '--reflex-backend-url', upstream.url, '--reflex-frontend-url', upstream.url, '--log-level', 'debug']);
  const sockets = await Promise.all(
    Array.from({ length: 40 }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/_event/?EIO=4&transport=websocket`);
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      }),
    ),
  );
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          ws.once('close', resolve);
          // The recording upstream never answers a close frame: the connection just ends.
          ws.terminate();
        }),
    ),
  );
  // 40 opened and 40 closed: 80 relays came and went, over the threshold of 64.
  const first = await proxy.waitForLog((record) => record.msg === 'memory collected after a burst of websockets', 60_000);
  t.type(first.heapSize, 'number');
  t.ok((first.heapUsedAfter as number) <= (first.heapUsedBefore as number), `collected: ${String(first.heapUsedBefore)} → ${String(first.heapUsedAfter)} MiB used`);
  const second = await proxy.waitForLog((record) => record.msg === 'memory collected after a burst of websockets' && record.time !== first.time, 30_000);
  // The heap's size after the second is V8's choice (it may keep what the proxy's own timers
  // allocated meanwhile); what the proxy owes is that the burst's garbage stays gone.
  t.ok((second.heapUsedAfter as number) <= (first.heapUsedBefore as number), `a second collection follows: ${String(first.heapUsedBefore)} → ${String(second.heapUsedAfter)} MiB used`);
});
