// Supervision policy: Django is ready when its port answers HTTP (any status), the Reflex backend
// when GET /ping answers 200, the frontend when its port answers; a Reflex "App running at" line on
// another port moves the frontend upstream there. Real upstream objects and real loopback servers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import t, { type Test } from 'tap';
import { Upstream } from '../../src/proxy/upstream.js';
import { appRunningAtPort, childSpecs } from '../../src/supervisor/policy.js';
import type { PlannedChild } from '../../src/supervisor/plan.js';
import { freePort } from '../helpers/index.js';

/** A loopback server answering `status(path)`; its URL. */
async function serve(t: Test, status: (path: string) => number): Promise<URL> {
  const server: Server = createServer((req, res) => res.writeHead(status(req.url ?? '/')).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

function upstream(t: Test, name: 'django' | 'reflex' | 'frontend', url: URL): Upstream {
  const made = new Upstream(name, url);
  t.teardown(() => made.close());
  return made;
}

function recordingLogger(): { logger: pino.Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), records };
}

const command = { file: 'true', args: [], cwd: '/', env: {} };
const DJANGO: PlannedChild = { name: 'django', command };
const REFLEX: PlannedChild = { name: 'reflex', command };

t.test('appRunningAtPort reads the port Reflex prints, colours or not', async (t) => {
  t.equal(appRunningAtPort('App running at: http://localhost:3001/'), 3001);
  t.equal(appRunningAtPort('\x1b[1;32mApp running at:\x1b[0m \x1b[4mhttp://localhost:3005/\x1b[0m'), 3005);
  t.equal(appRunningAtPort('App running at http://127.0.0.1:3002'), 3002);
  t.equal(appRunningAtPort('Backend running at: http://0.0.0.0:8002'), undefined);
  t.equal(appRunningAtPort('compiling ...'), undefined);
});

t.test('Django is ready when its port answers HTTP, whatever the status', async (t) => {
  const { logger } = recordingLogger();
  const django = upstream(t, 'django', await serve(t, () => 500));
  const [spec] = childSpecs([DJANGO], new Map([['django', django]]), logger);
  t.same(spec!.serves.map((served) => served.upstream), [django]);
  t.equal(await spec!.serves[0]!.isReady(), true, 'a 500 is an answer');
  t.equal(spec!.watchLine, undefined);

  const closed = upstream(t, 'django', new URL(`http://127.0.0.1:${await freePort()}`));
  const [down] = childSpecs([DJANGO], new Map([['django', closed]]), logger);
  t.equal(await down!.serves[0]!.isReady(), false, 'nothing listening');
});

t.test('reflex run is ready when /ping answers 200 and the frontend answers', async (t) => {
  const { logger } = recordingLogger();
  let pingStatus = 404;
  const backend = upstream(t, 'reflex', await serve(t, (path) => (path === '/ping' ? pingStatus : 200)));
  const frontend = upstream(t, 'frontend', await serve(t, () => 404));
  const [spec] = childSpecs([REFLEX], new Map([['reflex', backend], ['frontend', frontend]]), logger);
  t.same(spec!.serves.map((served) => served.upstream), [backend, frontend]);
  t.equal(await spec!.serves[0]!.isReady(), false, 'the backend answers, but /ping is not 200 yet');
  pingStatus = 200;
  t.equal(await spec!.serves[0]!.isReady(), true);
  t.equal(await spec!.serves[1]!.isReady(), true, 'the frontend answers');
});

t.test('an "App running at" line on another port moves the frontend upstream', async (t) => {
  const { logger, records } = recordingLogger();
  const backend = upstream(t, 'reflex', new URL('http://127.0.0.1:8002'));
  const frontend = upstream(t, 'frontend', new URL('http://127.0.0.1:3000'));
  const [spec] = childSpecs([REFLEX], new Map([['reflex', backend], ['frontend', frontend]]), logger);
  spec!.watchLine!('App running at: http://localhost:3000/');
  t.equal(frontend.port, 3000, 'the planned port: nothing moves');
  t.same(records, []);
  spec!.watchLine!('\x1b[32mApp running at:\x1b[0m http://localhost:3001/');
  t.equal(frontend.port, 3001);
  t.equal(frontend.url.origin, 'http://127.0.0.1:3001', 'the host stays the one planned');
  t.match(records, [{ level: 40, from: 3000, to: 3001, msg: 'reflex frontend moved to another port' }]);
  spec!.watchLine!('Backend running at: http://127.0.0.1:8005');
  t.equal(backend.port, 8002, 'the backend line moves nothing');
});

t.test('with --frontend-dir Reflex serves only its backend: no frontend to wait for or follow', async (t) => {
  const { logger } = recordingLogger();
  const backend = upstream(t, 'reflex', new URL('http://127.0.0.1:8002'));
  const [spec] = childSpecs([REFLEX], new Map([['reflex', backend]]), logger);
  t.same(spec!.serves.map((served) => served.upstream), [backend]);
  t.equal(spec!.watchLine, undefined);
});
