// What the supervisor starts for each layout, without starting it: a single-port Reflex gets one
// port and `--env prod`, the split layout a backend-only Reflex, and a public host Vite would refuse
// is handed to Reflex (not to Django).
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { type FlagValues, resolveConfig } from '../../src/config/resolve.js';
import { planLaunch } from '../../src/supervisor/plan.js';
import { freePort } from '../helpers/index.js';

const dir = t.testdir({ 'manage.py': '', 'rxconfig.py': '', '.venv': { bin: { python: '#!/bin/sh\n', reflex: '#!/bin/sh\n' } } });
for (const file of ['.venv/bin/python', '.venv/bin/reflex']) chmodSync(join(dir, file), 0o755);
const reflex = join(dir, '.venv', 'bin', 'reflex');

async function plan(flags: FlagValues, env: Record<string, string> = {}) {
  const ports: FlagValues = { 'django-port': String(await freePort()), 'reflex-backend-port': String(await freePort()), 'reflex-frontend-port': String(await freePort()) };
  const config = await resolveConfig({ flags: { project: dir, ...ports, ...flags }, env: {}, cwd: dir, stdoutIsTTY: false });
  const launch = await planLaunch(config, env);
  const children = launch.children(config.publicUrl ?? 'http://localhost:8000');
  return { config: launch.config, ports, django: children.find((child) => child.name === 'django')!, reflex: children.find((child) => child.name === 'reflex')! };
}

t.test('django_outer in dev: a frontend port', async (t) => {
  const { reflex: child, ports, config } = await plan({});
  t.same([child.command.file, ...child.command.args], [reflex, 'run', '--frontend-port', ports['reflex-frontend-port'], '--backend-port', ports['reflex-backend-port'], '--backend-host', '127.0.0.1']);
  t.equal(config.reflexFrontendUrl?.port, ports['reflex-frontend-port']);
});

t.test('a single-port Reflex: `reflex run --env prod` on the backend port, no frontend upstream', async (t) => {
  const { reflex: child, ports, config } = await plan({ 'reflex-single-port': true });
  t.same(child.command.args, ['run', '--env', 'prod', '--backend-port', ports['reflex-backend-port'], '--backend-host', '127.0.0.1']);
  t.equal(config.reflexFrontendUrl, undefined);
});

t.test('the split layout: a backend-only Reflex, Django serves the pages', async (t) => {
  const { reflex: child, ports, config } = await plan({ layout: 'split' });
  t.same(child.command.args, ['run', '--backend-only', '--backend-port', ports['reflex-backend-port'], '--backend-host', '127.0.0.1']);
  t.equal(config.reflexFrontendUrl, undefined);
});

t.test('a public host Vite would refuse is handed to the Reflex it starts', async (t) => {
  const named = await plan({ 'public-url': 'https://app.example.test' });
  t.match(named.reflex.command.env, { REFLEX_API_URL: 'https://app.example.test', REFLEX_VITE_ALLOWED_HOSTS: 'app.example.test', __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: 'app.example.test' });
  t.notOk('REFLEX_VITE_ALLOWED_HOSTS' in named.django.command.env, 'not to Django');
  t.notOk('REFLEX_VITE_ALLOWED_HOSTS' in (await plan({})).reflex.command.env, 'localhost needs nothing');
  const kept = await plan({ 'public-url': 'https://app.example.test' }, { REFLEX_VITE_ALLOWED_HOSTS: 'other.test' });
  t.equal(kept.reflex.command.env.REFLEX_VITE_ALLOWED_HOSTS, 'other.test:app.example.test', "the caller's value is kept, the host added");
});
