// `export nginx|caddy|haproxy|kubernetes`: the routing table in force — same config loading as the
// server, discovery included — written as the configuration of a production engine.
import { writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { envNameOf, OPTIONS } from '../../config/options.js';
import type { FlagValues, ResolvedConfig } from '../../config/resolve.js';
import { RdpError } from '../../errors.js';
import { renderCaddy } from '../../export/caddy.js';
import type { ExportServer } from '../../export/differences.js';
import { renderHaproxy } from '../../export/haproxy.js';
import { renderKubernetes } from '../../export/kubernetes.js';
import { clusterOptions, SERVICE_FLAGS } from '../../export/kubernetes-options.js';
import { renderNginx } from '../../export/nginx.js';
import { type ExportPlan, planExport } from '../../export/plan.js';
import type { CommandFlag, ParsedCommandLine } from '../args.js';
import type { CliContext, Command } from '../context.js';
import { resolveWithDiscovery } from '../discovery.js';
import { version } from '../version.js';

const RENDERERS: Readonly<Record<ExportServer, (plan: ExportPlan) => string>> = { nginx: renderNginx, caddy: renderCaddy, haproxy: renderHaproxy };
const TARGETS = [...(Object.keys(RENDERERS) as ExportServer[]), 'kubernetes'] as const;
type ExportTarget = (typeof TARGETS)[number];

const UPSTREAM_URLS = '--django-url http://127.0.0.1:8001 --reflex-backend-url http://127.0.0.1:8002 --reflex-frontend-url http://127.0.0.1:3000';
const EXAMPLES: Readonly<Record<ExportTarget, { what: string; example: string }>> = {
  nginx: { what: "an include for nginx's http { } block", example: `export nginx ${UPSTREAM_URLS} --host 0.0.0.0 --port 80 --out /etc/nginx/conf.d/reflex-django.conf` },
  caddy: { what: 'a whole Caddyfile', example: `export caddy ${UPSTREAM_URLS} --port 80 --out Caddyfile` },
  haproxy: { what: 'a whole haproxy.cfg (HAProxy >= 2.4)', example: `export haproxy ${UPSTREAM_URLS} --host 0.0.0.0 --port 80 --out haproxy.cfg` },
  kubernetes: {
    what: 'a Gateway API HTTPRoute and an ingress-nginx Ingress in front of Services',
    example:
      'export kubernetes --public-url https://app.example.com --django-service django:8000 --reflex-backend-service reflex-backend:8000 --reflex-frontend-service reflex-frontend:3000 --gateway web --namespace app --out reflex-django.yaml',
  },
};

const CLUSTER_FLAGS: readonly CommandFlag[] = [
  { flag: SERVICE_FLAGS.django, type: 'string', valueName: 'NAME:PORT', description: 'kubernetes: the Service in front of Django' },
  { flag: SERVICE_FLAGS.reflex, type: 'string', valueName: 'NAME:PORT', description: 'kubernetes: the Service in front of the Reflex backend' },
  { flag: SERVICE_FLAGS.frontend, type: 'string', valueName: 'NAME:PORT', description: 'kubernetes: the Service in front of the Reflex frontend' },
  { flag: 'gateway', type: 'string', valueName: 'NAME', description: 'kubernetes: the Gateway the HTTPRoute attaches to (NAME or NAMESPACE/NAME)' },
  { flag: 'namespace', type: 'string', valueName: 'NS', description: "kubernetes: the resources' namespace [kubectl's current one]" },
];
// The upstreams' addresses, which only the engines in front of addresses take.
const ADDRESS_FLAGS = ['django-url', 'reflex-backend-url', 'reflex-frontend-url', 'frontend-dir'] as const;

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The command line that produced the file, rebuilt from what was parsed, in the settings' order. */
function commandLine(target: ExportTarget, flags: FlagValues, own: ParsedCommandLine['own']): string {
  const words = ['reflex-django-proxy', 'export', target];
  const add = (flag: string, value: string | string[] | boolean | undefined): void => {
    if (value === undefined || value === false) return;
    if (value === true) words.push(`--${flag}`);
    else for (const item of Array.isArray(value) ? value : [value]) words.push(`--${flag}`, shellWord(item));
  };
  for (const option of OPTIONS) add(option.flag, flags[option.flag]);
  for (const flag of [...CLUSTER_FLAGS.map((entry) => entry.flag), 'out']) add(flag, own[flag]);
  return words.join(' ');
}

/** Settings read from the environment: they shaped the file as much as the flags did. */
function environmentLines(env: CliContext['env']): string[] {
  const names = OPTIONS.flatMap((option) => [envNameOf(option.flag), ...('aliases' in option ? option.aliases : [])]);
  return names.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => `  ${name}=${env[name]}`);
}

/** An export flag's value; an empty one is refused with the fix named. */
function stringFlag(own: ParsedCommandLine['own'], flag: string, fix: string): string | undefined {
  const value = own[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new RdpError('RDP_ERR_INVALID_OPTION', `--${flag} needs a value; ${fix}`);
  return value;
}

function clusterFlag(own: ParsedCommandLine['own'], flag: string): string | undefined {
  const spec = CLUSTER_FLAGS.find((entry) => entry.flag === flag)!;
  return stringFlag(own, flag, `give ${spec.valueName}, or leave the flag out (${spec.description.replace(/^kubernetes: /, '')})`);
}

/** Each engine takes its own kind of upstream: addresses for a file, Services for a cluster. */
function checkFlagsFit(target: ExportTarget, flags: FlagValues, own: ParsedCommandLine['own']): void {
  if (target === 'kubernetes') {
    const address = ADDRESS_FLAGS.find((flag) => flags[flag] !== undefined);
    if (address !== undefined) {
      throw new RdpError('RDP_ERR_INVALID_OPTION', `--${address} is not used by export kubernetes: a cluster routes to Services; give --django-service, --reflex-backend-service and --reflex-frontend-service NAME:PORT`);
    }
    return;
  }
  const cluster = CLUSTER_FLAGS.find((entry) => own[entry.flag] !== undefined);
  if (cluster !== undefined) {
    throw new RdpError('RDP_ERR_INVALID_OPTION', `--${cluster.flag} is for export kubernetes; ${target} reaches the upstreams at --django-url, --reflex-backend-url and --reflex-frontend-url`);
  }
}

function render(target: ExportTarget, config: ResolvedConfig, own: ParsedCommandLine['own'], provenance: readonly string[]): string {
  if (target !== 'kubernetes') return RENDERERS[target](planExport(config, target, provenance));
  const options = clusterOptions({
    services: { django: clusterFlag(own, SERVICE_FLAGS.django), reflex: clusterFlag(own, SERVICE_FLAGS.reflex), frontend: clusterFlag(own, SERVICE_FLAGS.frontend) },
    gateway: clusterFlag(own, 'gateway'),
    namespace: clusterFlag(own, 'namespace'),
    publicUrl: config.publicUrl,
  });
  return renderKubernetes(config, options, provenance);
}

export const command: Command = {
  name: 'export',
  usage: `reflex-django-proxy export ${TARGETS.join('|')} [--out FILE] [settings]`,
  summary: [
    'Write the routing table in force for a production engine, with every known difference from the proxy as a comment in the file.',
    'nginx, caddy and haproxy connect to the upstream URLs (nginx and caddy can serve --frontend-dir) and listen on --host:--port;',
    'kubernetes routes the host of --public-url to Services.',
    '',
    'Targets:',
    ...TARGETS.flatMap((target) => [`  ${target.padEnd(11)} ${EXAMPLES[target].what}`, `              reflex-django-proxy ${EXAMPLES[target].example}`]),
  ].join('\n'),
  flags: [{ flag: 'out', type: 'string', valueName: 'FILE', description: 'write to FILE instead of standard output' }, ...CLUSTER_FLAGS],
  async run({ config: flags, own, positionals }, context) {
    const [target, extra] = positionals;
    if (!TARGETS.includes(target as ExportTarget)) {
      throw new RdpError(
        'RDP_ERR_INVALID_OPTION',
        `export: ${target === undefined ? 'no target named' : `${JSON.stringify(target)} is not a target`}; expected ${TARGETS.join(', ')}, e.g. reflex-django-proxy export nginx --out rdp.conf`,
      );
    }
    const chosen = target as ExportTarget;
    if (extra !== undefined) throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unexpected argument "${extra}"; usage: ${command.usage}`);
    const out = stringFlag(own, 'out', 'give FILE, or write to standard output by leaving it out');
    checkFlagsFit(chosen, flags, own);
    const config = await resolveWithDiscovery(flags, context);
    const fromEnvironment = environmentLines(context.env);
    const provenance = [
      `Generated by reflex-django-proxy ${version()}: ${commandLine(chosen, flags, own)}`,
      ...(fromEnvironment.length > 0 ? ['Settings from the environment:', ...fromEnvironment] : []),
      ...(config.configFile === undefined ? [] : [`Config file: ${config.configFile}`]),
    ];
    const text = render(chosen, config, own, provenance);
    if (out === undefined) {
      context.stdout.write(text);
      return 0;
    }
    const path = resolvePath(context.cwd, out);
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new RdpError('RDP_ERR_INVALID_OPTION', `--out: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); give a file in a writable folder`);
    }
    context.stderr.write(`reflex-django-proxy: wrote the ${chosen} configuration to ${path}\n`);
    return 0;
  },
};
