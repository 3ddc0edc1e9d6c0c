// Settings: flag > environment > config file > discovery > default, and every bad value answered by
// exit 2 with one line naming the flag or key, the value and what is expected.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { resolveConfig, type ConfigInput } from '../src/config/resolve.js';
import { envNameOf, OPTIONS } from '../src/config/options.js';
import { CLI } from './helpers/proxy.js';

function input(overrides: Partial<ConfigInput>): ConfigInput {
  return { flags: {}, env: {}, cwd: process.cwd(), stdoutIsTTY: false, ...overrides };
}

function cli(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, cwd, timeout: 10_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test('defaults', async (t) => {
  const config = await resolveConfig(input({}));
  t.equal(config.port, 8000);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.publicUrl, 'http://localhost:8000');
  t.equal(config.holdTimeoutMs, 30_000);
  t.equal(config.headersTimeoutMs, 30_000);
  t.equal(config.responseTimeoutMs, 0, 'no response deadline unless asked for');
  t.equal(config.upgradeTimeoutMs, 30_000, 'a handshake gets an answer or a 504 within 30 s');
  t.equal(config.trustProxy, false);
  t.equal(config.exposeStatus, false);
  t.equal(config.logLevel, 'info');
  t.equal(config.logFormat, 'json');
  t.same(config.djangoPrefixes, [
    { prefix: '/admin', source: 'default' },
    { prefix: '/static', source: 'default' },
  ]);
  t.same(
    config.reservedPrefixes.map((entry) => entry.prefix),
    ['/_event', '/_upload', '/_health', '/_all_routes', '/ping', '/auth-codespace'],
  );
  t.equal((await resolveConfig(input({ stdoutIsTTY: true }))).logFormat, 'pretty');
  t.equal((await resolveConfig(input({ flags: { port: '9000' } }))).publicUrl, 'http://localhost:9000');
});

t.test('flag > environment > config file > discovery > default', async (t) => {
  const dir = t.testdir({ 'rdp.json': JSON.stringify({ port: 7000, djangoPrefix: ['/from-file'], holdTimeout: 1234, responseTimeout: 4321, upgradeTimeout: 2345, trustProxy: true }) });
  const file = join(dir, 'rdp.json');
  const discover = async () => ['/from-discovery'];

  const fromFile = await resolveConfig(input({ flags: { config: file }, discoverDjangoPrefixes: discover }));
  t.equal(fromFile.port, 7000);
  t.equal(fromFile.holdTimeoutMs, 1234);
  t.equal(fromFile.responseTimeoutMs, 4321);
  t.equal(fromFile.upgradeTimeoutMs, 2345);
  t.equal((await resolveConfig(input({ flags: { config: file }, env: { RDP_RESPONSE_TIMEOUT: '60000' } }))).responseTimeoutMs, 60_000);
  t.equal((await resolveConfig(input({ flags: { config: file, 'response-timeout': '5000' } }))).responseTimeoutMs, 5000);
  t.equal((await resolveConfig(input({ flags: { config: file }, env: { RDP_UPGRADE_TIMEOUT: '0' } }))).upgradeTimeoutMs, 0, 'RDP_UPGRADE_TIMEOUT=0: no deadline');
  t.equal((await resolveConfig(input({ flags: { config: file, 'upgrade-timeout': '5000' } }))).upgradeTimeoutMs, 5000);
  t.equal(fromFile.trustProxy, true);
  t.same(fromFile.djangoPrefixes, [{ prefix: '/from-file', source: 'config' }]);

  const fromEnv = await resolveConfig(
    input({ flags: { config: file }, env: { RDP_PORT: '7001', RDP_DJANGO_PREFIX: '/a,/b/', RDP_TRUST_PROXY: 'false' }, discoverDjangoPrefixes: discover }),
  );
  t.equal(fromEnv.port, 7001);
  t.equal(fromEnv.trustProxy, false);
  t.same(fromEnv.djangoPrefixes, [
    { prefix: '/a', source: 'environment' },
    { prefix: '/b', source: 'environment' },
  ]);

  const fromFlag = await resolveConfig(
    input({ flags: { config: file, port: '7002', 'django-prefix': ['/flag'] }, env: { RDP_PORT: '7001', RDP_DJANGO_PREFIX: '/a' } }),
  );
  t.equal(fromFlag.port, 7002);
  t.same(fromFlag.djangoPrefixes, [{ prefix: '/flag', source: 'flag' }]);

  const discovered = await resolveConfig(input({ discoverDjangoPrefixes: discover }));
  t.same(discovered.djangoPrefixes, [{ prefix: '/from-discovery', source: 'discovery' }]);
  const nothingDiscovered = await resolveConfig(input({ discoverDjangoPrefixes: async () => undefined }));
  t.equal(nothingDiscovered.djangoPrefixes[0]?.source, 'default');

  const configFromEnv = await resolveConfig(input({ env: { RDP_CONFIG: file } }));
  t.equal(configFromEnv.port, 7000, 'RDP_CONFIG names the file too');
});

t.test("reflex-django's own environment names, JSON lists and comma lists", async (t) => {
  const own = await resolveConfig(
    input({ env: { REFLEX_DJANGO_DJANGO_PREFIX: '["/api", "/accounts/"]', REFLEX_DJANGO_RESERVED_REFLEX_PREFIXES: '/_custom, /hooks' } }),
  );
  t.same(own.djangoPrefixes.map((entry) => entry.prefix), ['/api', '/accounts']);
  t.same(own.reservedPrefixes.slice(-2), [
    { prefix: '/_custom', source: 'environment' },
    { prefix: '/hooks', source: 'environment' },
  ]);
  t.same(own.routeTable.reflexPrefixes.slice(-2), ['/_custom', '/hooks']);
  const ours = await resolveConfig(input({ env: { RDP_DJANGO_PREFIX: '/ours', REFLEX_DJANGO_DJANGO_PREFIX: '/theirs' } }));
  t.same(ours.djangoPrefixes.map((entry) => entry.prefix), ['/ours'], 'RDP_* comes before the alias');
  const empty = await resolveConfig(input({ env: { RDP_PORT: '' } }));
  t.equal(empty.port, 8000, 'an empty variable is unset (compose files write FOO= for that)');
});

t.test('the backend path moves reserved prefixes; extras are added to the defaults', async (t) => {
  const config = await resolveConfig(input({ flags: { 'reflex-backend-path': '/rx/', 'reserved-prefix': ['/hooks'] } }));
  t.same(config.routeTable.reflexPrefixes, ['/rx/_event', '/rx/_upload', '/rx/_health', '/rx/_all_routes', '/rx/ping', '/rx/auth-codespace', '/rx/hooks']);
  t.equal(config.reservedPrefixes.at(-1)?.source, 'flag');
  const fromReflexEnv = await resolveConfig(input({ env: { REFLEX_BACKEND_PATH: '/backend' } }));
  t.equal(fromReflexEnv.routeTable.reflexPrefixes[0], '/backend/_event');
});

t.test('--https: an https public URL; --cert and --key come together and turn it on', async (t) => {
  const plain = await resolveConfig(input({}));
  t.equal(plain.https, undefined);
  const https = await resolveConfig(input({ flags: { https: true } }));
  t.same(https.https, { certificate: 'local-ca' });
  t.equal(https.publicUrl, 'https://127.0.0.1:8000', "127.0.0.1: a host whose port Reflex's browser client keeps over https");
  t.equal((await resolveConfig(input({ env: { RDP_HTTPS: 'yes', RDP_PORT: '9443' } }))).publicUrl, 'https://127.0.0.1:9443');
  t.equal((await resolveConfig(input({ flags: { https: true, port: '443' } }))).publicUrl, 'https://localhost', 'on 443 the dropped port is the right one');
  t.equal((await resolveConfig(input({ flags: { https: true, port: '0' } }))).publicUrl, undefined, 'port 0: known once listening');
  t.equal((await resolveConfig(input({ flags: { https: true, 'public-url': 'https://app.example.test:8443' } }))).publicUrl, 'https://app.example.test:8443');
  const dir = t.testdir({ 'rdp.json': JSON.stringify({ cert: 'tls/cert.pem', key: 'tls/key.pem' }) });
  const files = await resolveConfig(input({ flags: { cert: 'cert.pem', key: '/etc/key.pem' }, cwd: dir }));
  t.same(files.https, { certificate: 'files', certFile: join(dir, 'cert.pem'), keyFile: '/etc/key.pem' }, 'paths from the working directory');
  t.equal(files.publicUrl, 'https://127.0.0.1:8000');
  const fromFile = await resolveConfig(input({ flags: { config: join(dir, 'rdp.json') }, cwd: dir }));
  t.same(fromFile.https, { certificate: 'files', certFile: join(dir, 'tls', 'cert.pem'), keyFile: join(dir, 'tls', 'key.pem') });
  const fromEnv = await resolveConfig(input({ env: { RDP_CERT: '/c.pem', RDP_KEY: '/k.pem' } }));
  t.same(fromEnv.https, { certificate: 'files', certFile: '/c.pem', keyFile: '/k.pem' });
});

t.test('every setting has a flag, an RDP_ variable and a config key that map one to one', async (t) => {
  const envNames = OPTIONS.map((option) => envNameOf(option.flag));
  t.equal(new Set(envNames).size, OPTIONS.length);
  t.ok(envNames.includes('RDP_HOLD_TIMEOUT'));
  const help = cli(['--help']);
  t.equal(help.status, 0);
  for (const option of OPTIONS) {
    t.match(help.stdout, `--${option.flag}`, `--help lists --${option.flag}`);
    t.match(help.stdout, envNameOf(option.flag), `--help lists ${envNameOf(option.flag)}`);
  }
});

const BAD_VALUES: Array<[args: string[], env: Record<string, string>, names: RegExp]> = [
  [['--port', '99999'], {}, /--port: "99999" is not valid; expected a port number from 0 to 65535/],
  [['--port', 'eighty'], {}, /--port: "eighty"/],
  [[], { RDP_PORT: '-1' }, /RDP_PORT: "-1" is not valid/],
  [['--django-url', 'not a url'], {}, /--django-url: "not a url" is not valid; expected URL such as http:\/\/127\.0\.0\.1:8001/],
  [['--django-url', 'ftp://x'], {}, /--django-url: "ftp:\/\/x" is not valid; expected an http:\/\//],
  [['--reflex-backend-url', 'http://127.0.0.1:8002/api'], {}, /--reflex-backend-url: .* expected an origin without a path/],
  [['--django-prefix', 'admin'], {}, /--django-prefix: "admin" is not valid; expected a path prefix starting with "\/"/],
  [[], { REFLEX_DJANGO_DJANGO_PREFIX: '["/ok", "bad"]' }, /REFLEX_DJANGO_DJANGO_PREFIX: "bad" is not valid/],
  [['--reserved-prefix', '/'], {}, /--reserved-prefix: "\/" is not valid/],
  [['--hold-timeout', '1.5s'], {}, /--hold-timeout: "1\.5s" is not valid; expected a whole number of milliseconds/],
  [['--headers-timeout', '0'], {}, /--headers-timeout: 0 is not valid; expected a positive number/],
  [['--response-timeout', '30s'], {}, /--response-timeout: "30s" is not valid; expected a whole number of milliseconds/],
  [['--upgrade-timeout', '1m'], {}, /--upgrade-timeout: "1m" is not valid; expected a whole number of milliseconds/],
  [['--log-level', 'loud'], {}, /--log-level: "loud" is not valid; expected one of fatal, error/],
  [['--log-format', 'xml'], {}, /--log-format: "xml" is not valid; expected one of pretty, json/],
  [[], { RDP_TRUST_PROXY: 'maybe' }, /RDP_TRUST_PROXY: "maybe" is not valid; expected true or false/],
  [['--public-url', 'localhost:8000'], {}, /--public-url: "localhost:8000" is not valid/],
  [['--frontend-dir', '/nonexistent/build'], {}, /--frontend-dir: \/nonexistent\/build is not a directory/],
  [['--frontend-dir', '.', '--reflex-frontend-url', 'http://127.0.0.1:3000'], {}, /--frontend-dir and --reflex-frontend-url both given/],
  [['--prot', '8000'], {}, /unknown flag --prot; did you mean --port\?/],
  [['--port'], {}, /--port needs a value \(PORT\)/],
  [['serve'], {}, /unknown command "serve"/],
  [['--config', '/nonexistent.json'], {}, /--config: \/nonexistent\.json cannot be read/],
  [['--https', '--public-url', 'http://localhost:8000'], {}, /--public-url: http:\/\/localhost:8000 is plain http but --https serves TLS; give an https:\/\/ URL/],
  [['--cert', 'cert.pem'], {}, /--cert given without --key: give both/],
  [[], { RDP_KEY: 'key.pem' }, /--key given without --cert: give both/],
  [['--https', 'maybe'], {}, /unexpected argument "maybe"/],
];

t.test('bad input exits 2 with one line naming the flag, the value and what is expected', async (t) => {
  for (const [args, env, message] of BAD_VALUES) {
    const direct = cli(args, env);
    const label = [...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ');
    t.equal(direct.status, 2, `${label}: exit 2`);
    t.match(direct.stderr, message, `${label}: message`);
    t.equal(direct.stderr.trim().split('\n').length, 1, `${label}: one line`);
    t.notMatch(direct.stderr, /\n\s+at /, `${label}: no stack`);
  }
});

t.test('a config file with an unknown key, bad JSON or a bad value names the file and key', async (t) => {
  const dir = t.testdir({
    'unknown.json': JSON.stringify({ holdTimeOut: 5 }),
    'broken.json': '{ "port": ',
    'array.json': '[]',
    'bad-value.json': JSON.stringify({ djangoPrefix: 'admin' }),
    'self.json': JSON.stringify({ config: 'other.json' }),
  });
  const cases: Array<[string, RegExp]> = [
    ['unknown.json', /config key "holdTimeOut" in .*unknown\.json is not a setting; known keys: .*holdTimeout/],
    ['broken.json', /--config: .*broken\.json not valid JSON/],
    ['array.json', /--config: .*array\.json must hold a JSON object/],
    ['bad-value.json', /config key "djangoPrefix" in .*bad-value\.json: "admin" is not valid; expected a path prefix/],
    ['self.json', /config key "config" in .*self\.json is not a setting/],
  ];
  for (const [file, message] of cases) {
    const result = cli(['routes', '--config', join(dir, file)]);
    t.equal(result.status, 2, file);
    t.match(result.stderr, message, file);
    t.equal(result.stderr.trim().split('\n').length, 1, `${file}: one line`);
  }
});

t.test('a relative --config is read from the working directory', async (t) => {
  const dir = t.testdir({ sub: { 'rdp.json': JSON.stringify({ djangoPrefix: ['/api'] }) } });
  const result = cli(['routes', '--json', '--config', 'rdp.json'], {}, join(dir, 'sub'));
  t.equal(result.status, 0, result.stderr);
  t.same((JSON.parse(result.stdout) as { djangoPrefixes: unknown }).djangoPrefixes, [{ prefix: '/api', source: 'config' }]);
});
