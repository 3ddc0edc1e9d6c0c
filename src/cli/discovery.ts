// Config loading with Django prefix discovery and the Reflex app's env.json, as every command that
// routes or shows the routing does it (start, routes, export). What discovery could not see goes to
// stderr by default, so stdout stays the command's output; `start` logs it instead, once its logger
// exists.
import { type FlagValues, type ResolvedConfig, resolveConfig } from '../config/resolve.js';
import { type DjangoFacts, discoverInProject } from '../project/discover-django.js';
import type { CliContext } from './context.js';
import { reflexProjectReader } from './reflex-project.js';

interface DiscoveryUse {
  /** The config's default log format follows it (start); the one-shot commands say false. */
  readonly stdoutIsTTY?: boolean;
  /** Told what discovery found, when it ran. */
  readonly onDiscovered?: (facts: DjangoFacts) => void;
}

function warnOnStderr(context: CliContext): (facts: DjangoFacts) => void {
  return (facts) => {
    if (facts.error !== undefined) context.stderr.write(`reflex-django-proxy: django prefix discovery failed, using the defaults: ${facts.error}\n`);
    for (const warning of facts.warnings) context.stderr.write(`reflex-django-proxy: ${warning}; add --django-prefix for it\n`);
  };
}

export function resolveWithDiscovery(flags: FlagValues, context: CliContext, use: DiscoveryUse = {}): Promise<ResolvedConfig> {
  const onDiscovered = use.onDiscovered ?? warnOnStderr(context);
  return resolveConfig({
    flags,
    env: context.env,
    cwd: context.cwd,
    stdoutIsTTY: use.stdoutIsTTY ?? false,
    discoverDjangoPrefixes: async (projectDir) => {
      const discovery = await discoverInProject(projectDir, context.env);
      if (discovery !== undefined) onDiscovered(discovery);
      return discovery?.prefixes;
    },
    readReflexProject: reflexProjectReader(context.env),
  });
}
