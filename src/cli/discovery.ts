// Discovery for the one-shot commands (routes, export): what it could not see goes to stderr, so
// stdout stays the command's own output.
import type { ConfigInput } from '../config/resolve.js';
import { discoverInProject } from '../discover.js';
import type { CliContext } from './context.js';

export function discoveryReportedOn(context: CliContext): NonNullable<ConfigInput['discoverDjangoPrefixes']> {
  return async (projectDir) => {
    const discovery = await discoverInProject(projectDir, context.env);
    if (discovery?.error !== undefined) context.stderr.write(`reflex-django-proxy: django prefix discovery failed, using the defaults: ${discovery.error}\n`);
    for (const warning of discovery?.warnings ?? []) context.stderr.write(`reflex-django-proxy: ${warning}; add --django-prefix for it\n`);
    return discovery?.prefixes;
  };
}
