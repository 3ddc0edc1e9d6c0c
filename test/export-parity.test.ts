// Parity: the proxy, real nginx and real Caddy — the last two running the files `export` writes —
// in front of the same recording upstreams, send each request of one table to the same upstream
// (and forward the same target), for each layout: django_outer, reflex-django v3's split layout,
// and django_outer with a single-port Reflex. Where a server cannot follow the contract, the row holds that
// server's own outcome and the difference it comes from (src/export/differences.ts), so every
// difference is asserted, not assumed.
import t, { type Test } from 'tap';
import { type FlagValues, resolveConfig } from '../src/config/resolve.js';
import { DIFFERENCES, type ExportServer } from '../src/export/differences.js';
import { explainPath } from '../src/config/routes-report.js';
import { originForm } from '../src/router.js';
import { exportConfig, startCaddy, startNginx } from './helpers/edge-servers.js';
import { freePort, startProxy, tempDir } from './helpers/index.js';
import { type Answer, send, startRecorder } from './helpers/recorder.js';

type Outcome = 'django' | 'reflex' | 'frontend' | 'self' | 400 | 404 | 405;

interface Deviation {
  readonly outcome: Outcome;
  readonly because: string;
}

interface Row {
  readonly method?: string;
  readonly target: string;
  readonly upgrade?: boolean;
  /** The contract: what the proxy does. */
  readonly expect: Outcome;
  readonly nginx?: Deviation;
  readonly caddy?: Deviation;
}

const normalised = (outcome: Outcome): Deviation => ({ outcome, because: 'normalised-path' });
const bothNormalise = (outcome: Outcome) => ({ nginx: normalised(outcome), caddy: normalised(outcome) });
const both = (outcome: Outcome, because: string) => ({ nginx: { outcome, because }, caddy: { outcome, because } });

// Exported with --django-ws-prefix /ws and the default prefixes: /admin, /static for Django.
const ROWS: readonly Row[] = [
  // rule 4: the frontend, for GET / HEAD / OPTIONS
  { target: '/', expect: 'frontend' },
  { target: '/about', expect: 'frontend' },
  { method: 'HEAD', target: '/about', expect: 'frontend' },
  { method: 'OPTIONS', target: '/about', expect: 'frontend' },
  { target: '/caf%C3%A9/menu', expect: 'frontend' },
  // rule 3: Django prefixes, bare and nested, segment-bounded and case-sensitive
  { target: '/admin', expect: 'django' },
  { target: '/admin/', expect: 'django' },
  { target: '/admin/auth/user/?q=1&o=-2', expect: 'django' },
  { target: '/static/css/app.css', expect: 'django' },
  { method: 'POST', target: '/admin/login/', expect: 'django' },
  { method: 'DELETE', target: '/admin/thing/1/', expect: 'django' },
  { target: '/administrator', expect: 'frontend' },
  { target: '/staticfiles/x', expect: 'frontend' },
  { target: '/Admin/', expect: 'frontend' },
  { target: '/ADMIN', expect: 'frontend' },
  // percent-decoded before matching
  { target: '/%61dmin/', expect: 'django' },
  { target: '/%61%64%6D%69%6E', expect: 'django' },
  { target: '/admin%2Fauth/', expect: 'django' },
  { target: '/%41dmin/', expect: 'frontend' },
  // rule 1: reserved Reflex prefixes
  { target: '/_event', expect: 'reflex' },
  { target: '/_event/?EIO=4&transport=polling', expect: 'reflex' },
  { target: '/%5Fevent/', expect: 'reflex' },
  { method: 'POST', target: '/_upload', expect: 'reflex' },
  { target: '/_upload/photo.png', expect: 'reflex' },
  { target: '/ping', expect: 'reflex' },
  { target: '/_health', expect: 'reflex' },
  { target: '/_all_routes', expect: 'reflex' },
  { target: '/auth-codespace/callback?code=1', expect: 'reflex' },
  { target: '/_eventx', expect: 'frontend' },
  { target: '/_Event/', expect: 'frontend' },
  { target: '/pingpong', expect: 'frontend' },
  // query strings are not routed on
  { target: '/?next=/admin/', expect: 'frontend' },
  { target: '/about?p=/_event', expect: 'frontend' },
  // rule 5: other methods on a frontend path
  { method: 'POST', target: '/about', expect: 405 },
  { method: 'PUT', target: '/', expect: 405 },
  { method: 'PATCH', target: '/administrator', expect: 405 },
  // rule 2: WebSocket upgrades
  { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
  { target: '/_event', upgrade: true, expect: 'reflex' },
  { target: '/?token=hmr-token', upgrade: true, expect: 'frontend' },
  { target: '/about', upgrade: true, expect: 'frontend' },
  { target: '/admin/', upgrade: true, expect: 'frontend' },
  { target: '/ws/chat/?room=1', upgrade: true, expect: 'django' },
  { target: '/ws', upgrade: true, expect: 'django' },
  { target: '/wsx', upgrade: true, expect: 'frontend' },
  { target: '/ws/chat/', expect: 'frontend' },
  { method: 'POST', target: '/ws/chat/', expect: 405 },
  // absolute-form: routed on its path, forwarded as origin-form
  { target: 'http://other.example/admin/', expect: 'django' },
  // where nginx and Caddy cannot follow: they match on a normalised path
  { target: '/x/../admin/', expect: 'frontend', ...bothNormalise('django') },
  { target: '/./admin/', expect: 'frontend', ...bothNormalise('django') },
  { target: '//admin/', expect: 'frontend', ...bothNormalise('django') },
  { target: '/_event/../admin/', expect: 'reflex', ...bothNormalise('django') },
  { target: '/admin/../about', expect: 'django', ...bothNormalise('frontend') },
  {
    target: '/%2Fadmin/',
    expect: 'frontend',
    nginx: { outcome: 'django', because: 'encoded-slash' },
    caddy: { outcome: 'django', because: 'encoded-slash' },
  },
  { target: '/admin/%2e%2e/about', expect: 'django', ...bothNormalise('frontend') },
  { target: '/admin/%FF', expect: 'django' },
  { target: '/%2e%2e/admin/', expect: 'frontend', nginx: { outcome: 400, because: 'above-root' }, caddy: normalised('django') },
  { target: '/../admin/', expect: 'frontend', nginx: { outcome: 400, because: 'above-root' }, caddy: normalised('django') },
  { target: '/%00', expect: 'frontend', nginx: { outcome: 400, because: 'nul-escape' } },
  // ... and refuse invalid escapes before routing
  {
    target: '/%zz',
    expect: 'frontend',
    nginx: { outcome: 400, because: 'invalid-escape' },
    caddy: { outcome: 400, because: 'invalid-escape' },
  },
  {
    target: '/admin/%zz',
    expect: 'django',
    nginx: { outcome: 400, because: 'invalid-escape' },
    caddy: { outcome: 400, because: 'invalid-escape' },
  },
  // the proxy's own namespace
  {
    target: '/__rdp/health',
    expect: 'self',
    nginx: { outcome: 'frontend', because: 'no-namespace' },
    caddy: { outcome: 'frontend', because: 'no-namespace' },
  },
  { method: 'TRACE', target: '/admin/', expect: 'django', nginx: { outcome: 405, because: 'trace' } },
];

// The split layout, exported with --django-ws-prefix /ws, which it does not use: reserved prefixes
// to Reflex, every other path, method and upgrade to Django.
const SPLIT_ROWS: readonly Row[] = [
  { target: '/', expect: 'django' },
  { target: '/some/page', expect: 'django' },
  { method: 'POST', target: '/some/page', expect: 'django' },
  { method: 'PUT', target: '/', expect: 'django' },
  { method: 'OPTIONS', target: '/about', expect: 'django' },
  { method: 'DELETE', target: '/admin/thing/1/', expect: 'django' },
  { target: '/admin/', expect: 'django' },
  { target: '/_event', expect: 'reflex' },
  { target: '/%5Fevent/', expect: 'reflex' },
  { method: 'POST', target: '/_upload', expect: 'reflex' },
  { target: '/ping', expect: 'reflex' },
  { target: '/auth-codespace/callback?code=1', expect: 'reflex' },
  { target: '/_eventx', expect: 'django' },
  { target: '/_Event/', expect: 'django' },
  { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
  { target: '/?token=hmr-token', upgrade: true, expect: 'django' },
  { target: '/ws/chat/', upgrade: true, expect: 'django' },
  { method: 'POST', target: 'http://other.example/_upload', expect: 'reflex' },
  { target: '/_event/../admin/', expect: 'reflex', ...bothNormalise('django') },
  { target: '/admin/../ping', expect: 'django', ...bothNormalise('reflex') },
  { target: '/%zz', expect: 'django', ...both(400, 'invalid-escape') },
  { target: '/__rdp/health', expect: 'self', ...both('django', 'no-namespace') },
];

// A single-port Reflex (`reflex run --env prod`): the Reflex backend serves the pages and their
// upgrades; Django prefixes and rule 5 are as in django_outer.
const SINGLE_PORT_ROWS: readonly Row[] = [
  { target: '/', expect: 'reflex' },
  { target: '/about', expect: 'reflex' },
  { method: 'HEAD', target: '/about', expect: 'reflex' },
  { method: 'POST', target: '/about', expect: 405 },
  { target: '/admin/', expect: 'django' },
  { method: 'POST', target: '/admin/login/', expect: 'django' },
  { target: '/_event/?EIO=4&transport=websocket', upgrade: true, expect: 'reflex' },
  { target: '/?token=hmr-token', upgrade: true, expect: 'reflex' },
  { target: '/admin/', upgrade: true, expect: 'reflex' },
  { target: '/x/../admin/', expect: 'reflex', ...bothNormalise('django') },
  { target: '/__rdp/health', expect: 'self', ...both('reflex', 'no-namespace') },
];

const SERVERS = ['proxy', 'nginx', 'caddy'] as const;
type Front = (typeof SERVERS)[number];

function describe(row: Row): string {
  return `${row.upgrade === true ? 'WebSocket ' : ''}${row.method ?? 'GET'} ${row.target}`;
}

function outcomeOf(answer: Answer): Outcome {
  if (answer.upstream !== undefined) return answer.upstream as Outcome;
  if (answer.status === 200 && answer.body.includes('"upstreams"')) return 'self';
  return answer.status as Outcome;
}

function expected(row: Row, front: Front): Outcome {
  return front === 'proxy' ? row.expect : (row[front]?.outcome ?? row.expect);
}

const dir = await tempDir(t, 'rdp-parity-');
const django = await startRecorder(t, 'django');
const reflex = await startRecorder(t, 'reflex');
const frontend = await startRecorder(t, 'frontend');
const upstreams: FlagValues = { 'django-url': django.url, 'reflex-backend-url': reflex.url };

interface LayoutCase {
  readonly name: string;
  /** Besides the Django and Reflex backend URLs. */
  readonly flags: FlagValues;
  readonly rows: readonly Row[];
}

const LAYOUT_CASES: readonly LayoutCase[] = [
  { name: 'django-outer', flags: { 'reflex-frontend-url': frontend.url, 'django-ws-prefix': '/ws' }, rows: ROWS },
  { name: 'split', flags: { layout: 'split', 'django-ws-prefix': '/ws' }, rows: SPLIT_ROWS },
  { name: 'single-port', flags: { 'reflex-single-port': true }, rows: SINGLE_PORT_ROWS },
];

function argsOf(flags: FlagValues): string[] {
  return Object.entries(flags).flatMap(([flag, value]) => (value === true ? [`--${flag}`] : [`--${flag}`, String(value)]));
}

async function checkLayout(t: Test, layout: LayoutCase): Promise<void> {
  const settings = argsOf({ ...upstreams, ...layout.flags });
  const nginxPort = await freePort();
  const nginx = await startNginx(t, await exportConfig('nginx', [...settings, '--port', String(nginxPort)], dir), nginxPort);
  const caddyPort = await freePort();
  const caddy = await startCaddy(t, await exportConfig('caddy', [...settings, '--port', String(caddyPort)], dir), caddyPort);
  const proxy = await startProxy(t, settings);
  const ports: Record<Front, number> = { proxy: proxy.port, nginx: nginx.port, caddy: caddy.port };

  t.test('the table agrees with the router the proxy runs', async (t) => {
    const config = await resolveConfig({ flags: { ...upstreams, ...layout.flags }, env: {}, cwd: dir, stdoutIsTTY: false });
    for (const row of layout.rows) {
      const report = explainPath(config, row.method ?? 'GET', row.target, row.upgrade === true);
      const routed: Outcome = report.target === 'reject' ? (report.status as Outcome) : report.target === 'proxy' ? 'self' : (report.target as Outcome);
      t.equal(routed, row.expect, describe(row));
    }
  });

  t.test('every deviation names a difference documented for that server', async (t) => {
    for (const row of layout.rows) {
      for (const server of ['nginx', 'caddy'] as const satisfies readonly ExportServer[]) {
        const deviation = row[server];
        if (deviation === undefined) continue;
        const difference = DIFFERENCES.find((candidate) => candidate.id === deviation.because);
        t.ok(difference?.servers.includes(server), `${describe(row)}: ${server} deviates because of "${deviation.because}"`);
        t.not(deviation.outcome, row.expect, `${describe(row)}: a deviation for ${server} differs from the contract`);
      }
    }
  });

  for (const front of SERVERS) {
    t.test(`${front}: every row goes where the table says`, async (t) => {
      const seen: string[] = [];
      for (const row of layout.rows) {
        const answer = await send(ports[front], row.target, { method: row.method, upgrade: row.upgrade, body: row.method === 'POST' ? 'a=1' : undefined });
        const outcome = outcomeOf(answer);
        seen.push(`${describe(row)} -> ${outcome}${answer.forwarded === undefined ? '' : ` (${answer.forwarded})`}`);
        t.equal(outcome, expected(row, front), `${front}: ${describe(row)}`);
        if (answer.upstream !== undefined) {
          // Forwarded byte for byte (an absolute-form target as its origin-form), whatever was matched.
          t.equal(answer.forwarded, originForm(row.target), `${front}: ${describe(row)} forwarded as sent`);
        }
        // Rule 5's 405 says what is allowed; nginx's own 405 for TRACE is not that one.
        if (outcome === 405 && row.expect === 405) t.equal(answer.headers.allow, 'GET, HEAD, OPTIONS', `${front}: ${describe(row)} Allow`);
      }
      t.comment(seen.join('\n'));
    });
  }
}

for (const layout of LAYOUT_CASES) t.test(`${layout.name} layout`, (t) => checkLayout(t, layout));
