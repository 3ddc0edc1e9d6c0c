// `doctor`: without starting anything, read the project's Django settings and rxconfig.py for what
// breaks sessions on one origin. Same config loading as the server, so --public-url, --trust-proxy
// and --project mean what they mean there. Exit 1 when a finding is an error.
import { needsFrontend, resolveConfig } from '../../config/resolve.js';
import { reservedPath } from '../../config/routes-report.js';
import { examineProject } from '../../doctor/examine.js';
import { countOf, reportJson, reportText } from '../../doctor/report.js';
import { EXIT_FAILURE, EXIT_OK, RdpError } from '../../errors.js';
import type { Command } from '../context.js';
import { reflexProjectReader } from '../reflex-project.js';

export const command: Command = {
  name: 'doctor',
  usage: 'reflex-django-proxy doctor [--project DIR] [--public-url URL] [--json] [settings]',
  summary: 'Read the Django settings and rxconfig.py for what breaks sessions on one origin, and say which line to change.',
  flags: [{ flag: 'json', type: 'boolean', description: 'print JSON (shape in docs/doctor.md)' }],
  async run({ config: flags, own, positionals }, context) {
    if (positionals.length > 0) {
      throw new RdpError('RDP_ERR_INVALID_OPTION', `doctor takes no arguments, got ${JSON.stringify(positionals[0])}; give the project with --project DIR`);
    }
    const config = await resolveConfig({ flags, env: context.env, cwd: context.cwd, stdoutIsTTY: false, readReflexProject: reflexProjectReader(context.env) });
    if (config.publicUrl === undefined) {
      throw new RdpError('RDP_ERR_MISSING_OPTION', '--public-url is needed with --port 0: doctor judges the settings against the origin browsers use, such as --public-url http://localhost:8000');
    }
    const report = await examineProject({
      project: config.project,
      cwd: context.cwd,
      env: context.env,
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      servesTls: config.https !== undefined,
      reflexStartedByProxy: config.supervise && config.reflexBackendUrl === undefined,
      eventPath: reservedPath(config, '/_event'),
      frontendIsDirectory: config.frontendDir !== undefined || !needsFrontend(config),
    });
    context.stdout.write(own.json === true ? reportJson(report) : reportText(report));
    return countOf(report.findings).errors > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};
