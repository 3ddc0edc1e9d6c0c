// `export kubernetes`: the HTTPRoute and the Ingress it writes pass the published schemas
// (kubernetes-models, @kubernetes-models/gateway-api), and every row of the parity table
// (test/helpers/export-table.ts), routed through a model of each engine's documented matching
// rules (test/helpers/engine-models.ts), goes where the proxy sends it or where the row says that
// engine sends it instead. No cluster runs here, nor `kubectl apply --dry-run`: the schemas and
// the models are what stands in for one.
import { HTTPRoute, type IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { type IIngress, Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { DIFFERENCES, differencesFor, type ClusterEngine } from '../src/export/differences.js';
import { originForm } from '../src/router.js';
import { runInProcess } from './helpers/cli.js';
import { gatewayApiBackend, type HttpRouteSpec, ingressNginxBackend, type IngressSpec, type ModelRequest, nginxPath, type ServiceBackend } from './helpers/engine-models.js';
import { describeRow, expectedOf, type Outcome, type Row, ROWS, TABLE_SETTINGS } from './helpers/export-table.js';

const SERVICES = ['--django-service', 'django:8000', '--reflex-backend-service', 'reflex-backend:8000', '--reflex-frontend-service', 'reflex-frontend:3000'];
const UPSTREAM_OF: Readonly<Record<string, Outcome>> = { django: 'django', 'reflex-backend': 'reflex', 'reflex-frontend': 'frontend' };

interface Exported {
  readonly text: string;
  readonly route: IHTTPRoute;
  readonly ingress: IIngress;
}

async function exportKubernetes(args: readonly string[], yamlVersion: '1.1' | '1.2' = '1.2'): Promise<Exported> {
  const result = await runInProcess(['export', 'kubernetes', '--public-url', 'https://app.example.com', ...SERVICES, ...args]);
  if (result.code !== 0) throw new Error(`export kubernetes exited ${result.code}: ${result.stderr}`);
  const documents = parseAllDocuments(result.stdout, { version: yamlVersion });
  if (!Array.isArray(documents)) throw new Error('no YAML documents');
  const [route, ingress] = documents.map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
    return document.toJS() as never;
  });
  return { text: result.stdout, route: route!, ingress: ingress! };
}

function requestOf(row: Row): ModelRequest {
  const target = originForm(row.target)!;
  const query = target.indexOf('?');
  return {
    method: row.method ?? 'GET',
    path: query === -1 ? target : target.slice(0, query),
    headers: row.upgrade === undefined ? {} : { connection: 'Upgrade', upgrade: row.upgrade === true ? 'websocket' : row.upgrade },
  };
}

function outcomeOf(answer: ServiceBackend | 400 | 404 | 405): Outcome {
  return typeof answer === 'number' ? answer : UPSTREAM_OF[answer.name]!;
}

const table = await exportKubernetes([...TABLE_SETTINGS, '--gateway', 'infra/web', '--namespace', 'app']);

t.test('the HTTPRoute and the Ingress pass the published schemas', async (t) => {
  t.doesNotThrow(() => new HTTPRoute(table.route).validate(), 'HTTPRoute gateway.networking.k8s.io/v1');
  t.doesNotThrow(() => new Ingress(table.ingress).validate(), 'Ingress networking.k8s.io/v1');
  // The validators do reject what the API server would: a wrong path type, a 17th rule.
  const badPath = structuredClone(table.ingress);
  // A mistake the types would catch in code, but not in a YAML file.
  (badPath.spec!.rules![0]!.http!.paths[0] as { pathType: string }).pathType = 'prefix';
  t.throws(() => new Ingress(badPath).validate(), 'pathType "prefix" is refused');
  const tooMany = structuredClone(table.route);
  tooMany.spec!.rules = Array.from({ length: 17 }, () => tooMany.spec!.rules![0]!);
  t.throws(() => new HTTPRoute(tooMany).validate(), '17 rules are refused');
});

t.test('every kind of table exports resources that pass the schemas', async (t) => {
  const variants: Array<[string, string[]]> = [
    ['defaults, no gateway, no namespace', []],
    ['trust-proxy and an http public URL', ['--trust-proxy', '--public-url', 'http://app.example.com']],
    ['backend path and extra reserved prefixes', ['--reflex-backend-path', '/backend', '--reserved-prefix', '/hooks']],
    ['a Django prefix under a reserved one, the ws prefix under a Django one', ['--django-prefix', '/_upload/files', '--django-prefix', '/api', '--django-ws-prefix', '/api/ws']],
    ['twenty Django prefixes', Array.from({ length: 20 }, (_, index) => ['--django-prefix', `/app${index}`]).flat()],
  ];
  for (const [name, args] of variants) {
    const exported = await exportKubernetes(args);
    t.doesNotThrow(() => new HTTPRoute(exported.route).validate(), `${name}: HTTPRoute`);
    t.doesNotThrow(() => new Ingress(exported.ingress).validate(), `${name}: Ingress`);
  }
});

for (const [engine, route] of [
  // The parsed resources, read by the models as the engines read them.
  ['gateway-api', (request: ModelRequest) => outcomeOf(gatewayApiBackend(table.route.spec as HttpRouteSpec, request))],
  ['ingress-nginx', (request: ModelRequest) => outcomeOf(ingressNginxBackend(table.ingress.spec as IngressSpec, request))],
] as const satisfies ReadonlyArray<readonly [ClusterEngine, (request: ModelRequest) => Outcome]>) {
  t.test(`${engine}: every row of the table goes where the table says`, async (t) => {
    for (const row of ROWS) t.equal(route(requestOf(row)), expectedOf(row, engine), `${engine}: ${describeRow(row)}`);
  });
}

t.test("the nginx path model refuses exactly what real nginx refused in the parity test", async (t) => {
  for (const row of ROWS.filter((candidate) => candidate.method !== 'TRACE')) {
    t.equal(nginxPath(requestOf(row).path) === 400, expectedOf(row, 'nginx') === 400, describeRow(row));
  }
});

t.test('the Ingress carries what Reflex needs, as strings even to a YAML 1.1 reader (kubectl)', async (t) => {
  const annotations: Record<string, unknown> = (await exportKubernetes([], '1.1')).ingress.metadata?.annotations ?? {};
  const annotation = (name: string): unknown => annotations[`nginx.ingress.kubernetes.io/${name}`];
  for (const name of ['proxy-read-timeout', 'proxy-send-timeout']) {
    t.type(annotation(name), 'string', name);
    t.ok(Number(annotation(name)) >= 3600, `${name} >= 3600 s: idle Reflex sockets outlive it`);
  }
  t.equal(annotation('proxy-body-size'), '0', 'no body cap: no HTML 413 for a large upload');
  t.equal(annotation('proxy-request-buffering'), 'off');
  t.equal(annotation('proxy-buffering'), 'off');
  t.equal(annotation('use-regex'), 'false');
  t.equal(table.ingress.spec?.ingressClassName, 'nginx');
});

t.test('the HTTPRoute turns request timeouts off where sockets and Reflex streams live, and only there', async (t) => {
  for (const rule of table.route.spec?.rules ?? []) {
    const service = rule.backendRefs?.[0]?.name;
    const longLived = service === 'reflex-backend' || (rule.matches ?? []).every((match) => match.headers !== undefined);
    t.equal(rule.timeouts?.request, longLived ? '0s' : undefined, `${service}: ${JSON.stringify(rule.matches)}`);
    t.ok((rule.matches ?? []).length <= 8, 'at most 8 matches a rule');
  }
  t.same(table.route.spec?.parentRefs, [{ name: 'web', namespace: 'infra' }]);
  t.same(table.route.spec?.hostnames, ['app.example.com']);
  t.equal(table.route.metadata?.namespace, 'app');
});

t.test('each resource carries its own engine\'s differences as comments, and no other\'s', async (t) => {
  const [routePart = '', ingressPart = ''] = table.text.split('\n---\n');
  for (const [engine, part] of [['gateway-api', routePart], ['ingress-nginx', ingressPart]] as const) {
    for (const difference of differencesFor(engine)) t.match(part, `#   - ${difference.text}`, `${engine} comments on ${difference.id}`);
    for (const difference of DIFFERENCES.filter((candidate) => !candidate.servers.includes(engine))) t.notMatch(part, difference.text, `${engine} does not claim ${difference.id}`);
  }
});

t.test('more prefixes than one HTTPRoute holds stop the export with the fix named', async (t) => {
  const prefixes = Array.from({ length: 130 }, (_, index) => ['--django-prefix', `/app${index}`]).flat();
  const result = await runInProcess(['export', 'kubernetes', '--public-url', 'https://app.example.com', ...SERVICES, ...prefixes]);
  t.equal(result.code, 2);
  t.match(result.stderr, /more than the 16 one HTTPRoute holds; list fewer Django prefixes with --django-prefix \[RDP_ERR_INVALID_OPTION\]/);
});
