// Finding manage.py, rxconfig.py, the interpreter and reflex, and saying where we looked.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { detectProject, findMarker } from '../../src/project/detect.js';

const EXECUTABLE = '#!/bin/sh\n';

t.test('markers in the folder or one level below', async (t) => {
  const dir = t.testdir({
    flat: { 'manage.py': '', 'rxconfig.py': '' },
    nested: { backend: { 'manage.py': '' }, frontend: { 'rxconfig.py': '' }, node_modules: { x: { 'manage.py': '' } } },
    twice: { a: { 'manage.py': '' }, b: { 'manage.py': '' } },
    deep: { a: { b: { 'manage.py': '' } } },
  });
  t.equal(findMarker(join(dir, 'flat'), 'manage.py'), join(dir, 'flat'));
  t.equal(findMarker(join(dir, 'nested'), 'manage.py'), join(dir, 'nested', 'backend'));
  t.equal(findMarker(join(dir, 'nested'), 'rxconfig.py'), join(dir, 'nested', 'frontend'));
  t.equal(findMarker(join(dir, 'deep'), 'manage.py'), undefined, 'two levels down is not searched');
  t.throws(() => findMarker(join(dir, 'twice'), 'manage.py'), { code: 'RDP_ERR_PROJECT', message: /manage\.py found in a\/ and b\/ .* --project/ });
});

t.test("the project's venv comes before PATH, for python and reflex", async (t) => {
  const dir = t.testdir({
    app: { 'manage.py': '', 'rxconfig.py': '', '.venv': { bin: { python: EXECUTABLE, reflex: EXECUTABLE } } },
    elsewhere: { bin: { python3: EXECUTABLE, reflex: EXECUTABLE } },
    active: { bin: { python: EXECUTABLE } },
  });
  for (const file of ['app/.venv/bin/python', 'app/.venv/bin/reflex', 'elsewhere/bin/python3', 'elsewhere/bin/reflex', 'active/bin/python']) chmodSync(join(dir, file), 0o755);
  const env = { PATH: join(dir, 'elsewhere', 'bin') };
  const project = detectProject({ dir: join(dir, 'app'), env, needDjango: true, needReflex: true, reflexCommandGiven: false });
  t.equal(project.python, join(dir, 'app', '.venv', 'bin', 'python'));
  t.equal(project.reflex, join(dir, 'app', '.venv', 'bin', 'reflex'));
  const withVirtualEnv = detectProject({ dir: join(dir, 'app'), env: { ...env, VIRTUAL_ENV: join(dir, 'active') }, needDjango: true, needReflex: true, reflexCommandGiven: false });
  t.equal(withVirtualEnv.python, join(dir, 'active', 'bin', 'python'), '$VIRTUAL_ENV first');
  const fromPath = detectProject({ dir: join(dir, 'elsewhere'), env, needDjango: false, needReflex: false, reflexCommandGiven: false });
  t.equal(fromPath.python, join(dir, 'elsewhere', 'bin', 'python3'), 'no venv: python3 on PATH');
  t.equal(fromPath.reflex, join(dir, 'elsewhere', 'bin', 'reflex'), 'no venv: reflex on PATH');
});

t.test('what is missing is named with where we looked and the flag that overrides it', async (t) => {
  const empty = t.testdir({ src: {} });
  t.throws(() => detectProject({ dir: empty, env: {}, needDjango: true, needReflex: false, reflexCommandGiven: false }), {
    code: 'RDP_ERR_PROJECT',
    message: new RegExp(`no manage\\.py in ${empty} or one level below; .*--project.*--django-url`),
  });
  t.throws(() => detectProject({ dir: empty, env: {}, needDjango: false, needReflex: true, reflexCommandGiven: false }), {
    message: /no rxconfig\.py in .* --reflex-backend-url and --reflex-frontend-url/,
  });
  const noReflex = t.testdir({ 'rxconfig.py': '' });
  t.throws(() => detectProject({ dir: noReflex, env: { PATH: '/nonexistent' }, needDjango: false, needReflex: true, reflexCommandGiven: false }), {
    message: /no reflex executable: looked in \.venv\/bin\/reflex, venv\/bin\/reflex and on PATH; .*--reflex-cmd/,
  });
  t.doesNotThrow(() => detectProject({ dir: noReflex, env: { PATH: '/nonexistent' }, needDjango: false, needReflex: true, reflexCommandGiven: true }), 'a --reflex-cmd needs no reflex executable');
});
