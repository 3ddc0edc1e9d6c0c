// The access-log helper on its own: one record per finished request, written once to pino and to
// each observer of its kind; nothing built or listened for when nobody would read it.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import { AccessLog, type HttpRecord } from '../src/proxy/access-log.js';

function capture(level: string): { log: AccessLog; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: new AccessLog(pino({ level, base: undefined }, sink)), lines };
}

function exchange(method: string): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  return { req, res: new ServerResponse(req) };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('a closed response is one record, to the log and to observers of its kind', async (t) => {
  const { log, lines } = capture('info');
  const seen: Array<[HttpRecord, IncomingMessage, ServerResponse | undefined]> = [];
  const refusals: unknown[] = [];
  log.observe('http', (record, req, res) => seen.push([record, req, res]));
  log.observe('websocket-refused', (record) => refusals.push(record));
  const { req, res } = exchange('DELETE');
  log.trackHttp(req, res, '/five', 'proxy', { rule: 5 });
  res.statusCode = 405;
  res.emit('close');
  await flush();
  t.equal(seen.length, 1, 'the observer got it');
  t.equal(seen[0]![1], req, 'with the request');
  t.equal(seen[0]![2], res, 'and the response, which is not logged');
  t.match(seen[0]![0], { kind: 'http', method: 'DELETE', path: '/five', target: 'proxy', rule: 5, statusCode: 499 });
  t.type(seen[0]![0].responseTime, 'number');
  t.same(refusals, [], 'observers of another kind got nothing');
  t.equal(lines.length, 1);
  t.match(lines[0], { msg: 'request completed', kind: 'http', statusCode: 499 }, 'not finished when closed: the client left');
});

t.test('websocket records carry their kind; the message says who refused', async (t) => {
  const { log, lines } = capture('info');
  const { req } = exchange('GET');
  log.record({ kind: 'websocket-refused', path: '/_event/', target: 'reflex', rule: 1, refusedBy: 'upstream', statusCode: 403, responseTime: 1.5 }, req);
  log.record({ kind: 'websocket-refused', path: '/__rdp/x', target: 'proxy', rule: 0, refusedBy: 'proxy', statusCode: 404, responseTime: 0.1 }, req);
  await flush();
  t.same(lines.map((line) => [line.msg, line.kind]), [['websocket refused by upstream', 'websocket-refused'], ['websocket refused by proxy', 'websocket-refused']]);
});

t.test('above info with no observer, nothing is built or listened for', async (t) => {
  const { log, lines } = capture('warn');
  t.notOk(log.wants('http'));
  const { req, res } = exchange('GET');
  const before = res.listenerCount('close');
  log.trackHttp(req, res, '/x', 'frontend', { rule: 4 });
  t.equal(res.listenerCount('close'), before, 'no close listener added');

  const seen: unknown[] = [];
  const stop = log.observe('http', (record) => seen.push(record));
  t.ok(log.wants('http'), 'an observer makes the records wanted');
  log.trackHttp(req, res, '/x', 'frontend', { rule: 4 });
  res.emit('close');
  t.equal(seen.length, 1, 'the observer got the record');
  stop();
  t.notOk(log.wants('http'), 'and once it stops, nobody wants them again');
  await flush();
  t.same(lines, [], 'the log level kept it out of the log');
});
