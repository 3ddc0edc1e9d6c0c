// What `export kubernetes` needs besides the routing: the Services standing for the upstreams, the
// host name clients use, and where the resources go. Each value is checked against the rule the
// API server applies to it, so a mistake stops here with the flag named, not at `kubectl apply`.
import { isIP } from 'node:net';
import { RdpError } from '../errors.js';
import type { Upstream } from '../router.js';

export interface ServiceRef {
  readonly name: string;
  readonly port: number;
}

export interface ClusterOptions {
  readonly services: Readonly<Record<Upstream, ServiceRef>>;
  /** The host name of --public-url: the HTTPRoute's hostnames and the Ingress rule's host. */
  readonly host: string;
  readonly https: boolean;
  /** The Gateway the HTTPRoute attaches to (its parentRef). */
  readonly gateway: { readonly name: string; readonly namespace: string | undefined } | undefined;
  readonly namespace: string | undefined;
}

export const SERVICE_FLAGS: Readonly<Record<Upstream, string>> = {
  django: 'django-service',
  reflex: 'reflex-backend-service',
  frontend: 'reflex-frontend-service',
};
const SERVICE_EXAMPLES: Readonly<Record<Upstream, string>> = { django: 'django:8000', reflex: 'reflex-backend:8000', frontend: 'reflex-frontend:3000' };

export interface ClusterFlags {
  readonly services: Readonly<Record<Upstream, string | undefined>>;
  readonly gateway: string | undefined;
  readonly namespace: string | undefined;
  readonly publicUrl: string | undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A Service name is a DNS-1035 label: it starts with a letter.
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function invalid(flag: string, value: string, expected: string): RdpError {
  return new RdpError('RDP_ERR_INVALID_OPTION', `--${flag}: ${JSON.stringify(value)} is not valid; ${expected}`);
}

function serviceRef(upstream: Upstream, raw: string): ServiceRef {
  const flag = SERVICE_FLAGS[upstream];
  const [name = '', port = '', ...rest] = raw.split(':');
  const number = /^\d{1,5}$/.test(port) ? Number(port) : 0;
  if (!SERVICE_NAME.test(name) || number < 1 || number > 65535 || rest.length > 0) {
    throw invalid(flag, raw, `give the Service's name (lowercase letters, digits, "-") and port, e.g. --${flag} ${SERVICE_EXAMPLES[upstream]}`);
  }
  return { name, port: number };
}

function services(flags: ClusterFlags): ClusterOptions['services'] {
  const upstreams = Object.keys(SERVICE_FLAGS) as Upstream[];
  const missing = upstreams.filter((upstream) => flags.services[upstream] === undefined);
  if (missing.length > 0) {
    throw new RdpError(
      'RDP_ERR_MISSING_OPTION',
      `export kubernetes needs the Service in front of every upstream: missing ${missing.map((upstream) => `--${SERVICE_FLAGS[upstream]}`).join(', ')}; e.g. --${SERVICE_FLAGS[missing[0]!]} ${SERVICE_EXAMPLES[missing[0]!]}`,
    );
  }
  return Object.fromEntries(upstreams.map((upstream) => [upstream, serviceRef(upstream, flags.services[upstream]!)])) as ClusterOptions['services'];
}

function publicHost(publicUrl: string | undefined): { host: string; https: boolean } {
  const url = publicUrl === undefined ? undefined : new URL(publicUrl);
  const host = url?.hostname ?? '';
  // Both resources route by host name; an address or localhost is no name a client would use.
  if (url === undefined || host === 'localhost' || isIP(host) !== 0 || !DNS_SUBDOMAIN.test(host)) {
    throw new RdpError(
      'RDP_ERR_INVALID_OPTION',
      `--public-url: export kubernetes needs the host name clients use, not ${publicUrl ?? 'nothing'}; e.g. --public-url https://app.example.com`,
    );
  }
  return { host, https: url.protocol === 'https:' };
}

function gatewayRef(raw: string): NonNullable<ClusterOptions['gateway']> {
  const [first = '', second, ...rest] = raw.split('/');
  const [namespace, name] = second === undefined ? [undefined, first] : [first, second];
  if (rest.length > 0 || !DNS_SUBDOMAIN.test(name) || (namespace !== undefined && !DNS_LABEL.test(namespace))) {
    throw invalid('gateway', raw, 'give the Gateway the HTTPRoute attaches to as NAME or NAMESPACE/NAME, e.g. --gateway infra/web');
  }
  return { name, namespace };
}

export function clusterOptions(flags: ClusterFlags): ClusterOptions {
  if (flags.namespace !== undefined && !DNS_LABEL.test(flags.namespace)) {
    throw invalid('namespace', flags.namespace, 'give a namespace name (lowercase letters, digits, "-"), e.g. --namespace app');
  }
  return {
    services: services(flags),
    ...publicHost(flags.publicUrl),
    gateway: flags.gateway === undefined ? undefined : gatewayRef(flags.gateway),
    namespace: flags.namespace,
  };
}
