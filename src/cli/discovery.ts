// Config loading for the one-shot commands that show or write the routing (routes, export): the
// server's own resolution, with discovery and the Reflex app's env.json; discovery's warnings go to
// stderr so stdout stays the command's output.
import { type FlagValues, type ResolvedConfig, resolveConfig } from '../config/resolve.js';
import { discoverInProject } from '../project/discover-django.js';
import type { CliContext } from './context.js';
import { reflexProjectReader } from './reflex-project.js';

export function resolveWithDiscovery(flags: FlagValues, context: CliContext): Promise<ResolvedConfig> {
  return resolveConfig({
    flags,
    env: context.env,
    cwd: context.cwd,
    stdoutIsTTY: false,
    discoverDjangoPrefixes: async (projectDir) => {
      const discovery = await discoverInProject(projectDir, context.env);
      if (discovery?.error !== undefined) context.stderr.write(`reflex-django-proxy: django prefix discovery failed, using the defaults: ${discovery.error}\n`);
      for (const warning of discovery?.warnings ?? []) context.stderr.write(`reflex-django-proxy: ${warning}; add --django-prefix for it\n`);
      return discovery?.prefixes;
    },
    readReflexProject: reflexProjectReader(context.env),
  });
}
