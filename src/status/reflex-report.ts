// GET /__rdp/reflex: the Reflex app's env.json as the proxy last read it (its endpoints decide the
// reserved prefixes) and, once a page was served without its socket, what the proxy said about it.
import type { EnvJsonRead } from '../config/reflex-endpoints.js';
import type { SocketBypassNotice } from '../proxy/socket-bypass.js';

export interface ReflexReport {
  /** null when no project is known (proxy-only without --project). */
  readonly envJson: {
    readonly file: string;
    readonly state: EnvJsonRead['kind'];
    readonly reason: string | null;
    readonly endpoints: Readonly<Record<string, string>> | null;
  } | null;
  readonly socketBypass: SocketBypassNotice | null;
}

export function reflexReport(envJson: EnvJsonRead | undefined, socketBypass: SocketBypassNotice | null): ReflexReport {
  return {
    envJson:
      envJson === undefined
        ? null
        : {
            file: envJson.file,
            state: envJson.kind,
            reason: envJson.kind === 'invalid' ? envJson.reason : null,
            endpoints: envJson.kind === 'ok' ? envJson.envJson.endpoints : null,
          },
    socketBypass,
  };
}
