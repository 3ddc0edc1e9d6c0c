// What to start, from the resolved config: an upstream given as a URL is not started; the others
// get their commands, side ports and environment (the caller's, plus REFLEX_API_URL = the proxy's
// public origin, or over https the same origin on a host Reflex keeps, plus the Vite host names a
// public host needs).
import { reflexApiUrl } from '../config/reflex-backend-url.js';
import { needsFrontend, type ResolvedConfig } from '../config/resolve.js';
import { RdpError } from '../errors.js';
import { detectProject } from '../project/detect.js';
import type { ChildName } from '../supervisor.js';
import type { ChildCommand } from './child-run.js';
import { fillPlaceholders, splitCommandLine } from './command-line.js';
import { choosePort } from './ports.js';
import { viteHostEnv } from './vite-hosts.js';

const CHILD_HOST = '127.0.0.1';

export interface PlannedChild {
  readonly name: ChildName;
  readonly command: ChildCommand;
}

interface LaunchPlan {
  /** The config with every started upstream's URL filled in. */
  readonly config: ResolvedConfig;
  /** The commands, once the proxy listens and its public origin is known. */
  children(publicUrl: string): PlannedChild[];
}

type Environment = Readonly<Record<string, string | undefined>>;

function needs(config: ResolvedConfig): { django: boolean; reflex: boolean } {
  if (!config.supervise) return { django: false, reflex: false };
  const hasFrontend = config.reflexFrontendUrl !== undefined || config.frontendDir !== undefined || !needsFrontend(config);
  if (config.reflexBackendUrl !== undefined && !hasFrontend) {
    throw new RdpError('RDP_ERR_MISSING_OPTION', '--reflex-backend-url given without --reflex-frontend-url (or --frontend-dir): give both, or neither to have `reflex run` started');
  }
  if (config.reflexFrontendUrl !== undefined && config.reflexBackendUrl === undefined) {
    throw new RdpError('RDP_ERR_MISSING_OPTION', '--reflex-frontend-url given without --reflex-backend-url: give both, or neither to have `reflex run` started');
  }
  return { django: config.djangoUrl === undefined, reflex: config.reflexBackendUrl === undefined };
}

function childEnv(env: Environment, publicUrl: string): Record<string, string> {
  const inherited = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  // Over https on localhost, a host whose port Reflex's client keeps (docs/https.md).
  const { apiUrl } = reflexApiUrl(publicUrl);
  // Python block-buffers a pipe: unbuffered, each log line arrives when it is written.
  return { ...Object.fromEntries(inherited), PYTHONUNBUFFERED: '1', REFLEX_API_URL: apiUrl, API_URL: apiUrl };
}

/** `env`: the environment the proxy was started with; the project is looked up and run in it. */
export async function planLaunch(config: ResolvedConfig, env: Environment): Promise<LaunchPlan> {
  const need = needs(config);
  if (!need.django && !need.reflex) return { config, children: () => [] };
  const project = detectProject({
    dir: config.project,
    env,
    needDjango: need.django && config.djangoCmd === undefined,
    needReflex: need.reflex && config.reflexCmd === undefined,
    reflexCommandGiven: config.reflexCmd !== undefined,
  });
  const taken = new Set([config.port]);
  const take = async (flag: string, given: number | undefined, preferred: number): Promise<number> => {
    const port = await choosePort(flag, given, preferred, CHILD_HOST, taken);
    taken.add(port);
    return port;
  };
  // With --frontend-dir the frontend is a build directory and split uses none: Reflex serves only
  // its backend. A single-port Reflex serves its pages on the backend port.
  const backendOnly = config.frontendDir !== undefined || config.layout === 'split';
  const onePort = config.reflexSinglePort || backendOnly;
  const djangoPort = need.django ? await take('django-port', config.djangoPort, 8001) : undefined;
  const backendPort = need.reflex ? await take('reflex-backend-port', config.reflexBackendPort, 8002) : undefined;
  const frontendPort = need.reflex && !onePort ? await take('reflex-frontend-port', config.reflexFrontendPort, 3000) : undefined;
  const children = (publicUrl: string): PlannedChild[] => {
    const placeholders = {
      port: String(djangoPort ?? ''),
      backend_port: String(backendPort ?? ''),
      frontend_port: String(frontendPort ?? ''),
      public_url: publicUrl,
      python: project.python,
    };
    const childEnvironment = childEnv(env, publicUrl);
    const reflexEnvironment = { ...childEnvironment, ...viteHostEnv(publicUrl, env) };
    const planned: PlannedChild[] = [];
    if (djangoPort !== undefined) {
      const [file, ...args] =
        config.djangoCmd === undefined
          ? [project.python, 'manage.py', 'runserver', `${CHILD_HOST}:${djangoPort}`]
          : splitCommandLine(fillPlaceholders(config.djangoCmd, placeholders, 'django-cmd'), 'django-cmd');
      planned.push({ name: 'django', command: { file, args, cwd: project.djangoDir ?? project.root, env: childEnvironment } });
    }
    if (backendPort !== undefined) {
      const ports = frontendPort !== undefined ? ['--frontend-port', String(frontendPort)] : backendOnly ? ['--backend-only'] : ['--env', 'prod'];
      const [file, ...args] =
        config.reflexCmd === undefined
          ? [project.reflex!, 'run', ...ports, '--backend-port', String(backendPort), '--backend-host', CHILD_HOST]
          : splitCommandLine(fillPlaceholders(config.reflexCmd, placeholders, 'reflex-cmd'), 'reflex-cmd');
      planned.push({ name: 'reflex', command: { file, args, cwd: project.reflexDir ?? project.root, env: reflexEnvironment } });
    }
    return planned;
  };

  // A bad --django-cmd / --reflex-cmd is a usage error: say so before anything listens.
  children(config.publicUrl ?? 'http://localhost');
  const url = (port: number | undefined, given: URL | undefined): URL | undefined => (port === undefined ? given : new URL(`http://${CHILD_HOST}:${port}`));
  return {
    config: {
      ...config,
      djangoUrl: url(djangoPort, config.djangoUrl),
      reflexBackendUrl: url(backendPort, config.reflexBackendUrl),
      reflexFrontendUrl: url(frontendPort, config.reflexFrontendUrl),
    },
    children,
  };
}
