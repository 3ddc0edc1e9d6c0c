// examples/ci: the library API as a team's CI job uses it. The example script runs as it is
// (importing 'reflex-django-proxy' by name) in front of real Django, the Reflex stand-in and Vite,
// and its JUnit report is read by a real XML parser. The workflow file is checked to run that
// script with every variable it reads.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ADMIN_PASSWORD, ADMIN_USERNAME, repoRoot, startDjango, startReflexStandin, startVite, tempDir } from './helpers/index.js';
import { readJUnit } from './helpers/junit.js';

const run = promisify(execFile);
const exampleDir = join(repoRoot, 'examples', 'ci');
const script = join(exampleDir, 'verify-session.mjs');

t.test('the workflow runs the example script and sets what it reads', async (t) => {
  const workflow = readFileSync(join(exampleDir, 'github-actions.yml'), 'utf8');
  const source = readFileSync(script, 'utf8');
  t.match(workflow, /run: node ci\/verify-session\.mjs/);
  t.match(source, /from 'reflex-django-proxy'/, 'the package by name, as a project installs it');
  const read = [...new Set([...source.matchAll(/env\.([A-Z_]+)/g)].map((match) => match[1]!))];
  for (const name of read.filter((name) => name !== 'PROXY_PORT')) t.match(workflow, new RegExp(`^\\s+${name}: `, 'm'), `${name} is set`);
});

t.test('the example script against real servers', async (t) => {
  const django = await startDjango(t);
  const [reflex, picky, vite] = await Promise.all([
    startReflexStandin(t, { dbPath: django.dbPath }),
    startReflexStandin(t, { dbPath: django.dbPath, allowedOrigins: ['http://elsewhere.example'] }),
    startVite(t),
  ]);
  const dir = await tempDir(t, 'rdp-example-ci-');
  const job = (reflexUrl: string, junit: string) =>
    run(process.execPath, [script], {
      cwd: exampleDir,
      env: { PATH: process.env.PATH, DJANGO_URL: django.url, REFLEX_BACKEND_URL: reflexUrl, REFLEX_FRONTEND_URL: vite.url, VERIFY_USERNAME: ADMIN_USERNAME, VERIFY_PASSWORD: ADMIN_PASSWORD, JUNIT_FILE: junit, PROXY_PORT: '0' },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: `${error.stdout}${error.stderr}` }),
    );

  const good = await job(reflex.url, join(dir, 'good.xml'));
  t.equal(good.code, 0, good.stdout);
  t.match(good.stdout, /9 passed, 0 warned, 0 failed, 0 skipped/);
  const [suite] = readJUnit(join(dir, 'good.xml'));
  t.match(suite!.attributes, { name: 'reflex-django-proxy verify', tests: '9', failures: '0', skipped: '0' });
  t.same(suite!.cases.map((testcase) => testcase.outcome), Array(9).fill('pass'));
  t.match(suite!.cases[6]!.name, /^7\. the session cookie reached the Reflex backend$/);

  const bad = await job(picky.url, join(dir, 'bad.xml'));
  t.equal(bad.code, 1, 'a check failed: the job fails');
  const [failed] = readJUnit(join(dir, 'bad.xml'));
  t.match(failed!.attributes, { failures: '1', skipped: '1' });
  t.match(failed!.cases[5], { outcome: 'failure', message: /refused with 403/, text: /fix: .*cors_allowed_origins/ });
  t.match(failed!.cases[6], { outcome: 'skipped', message: /needs check 6/ });
});
