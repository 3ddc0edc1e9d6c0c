// X-RDP-Route: the deciding rule on every proxied response and WebSocket 101, so a browser's
// network panel shows why (`django; rule=3; prefix=/admin`, `frontend; rule=4`). Every value the
// table can produce is built once, here, from the table; a request only looks its own up.
import type { Decision, RouteTable } from '../router.js';

export const ROUTE_HEADER = 'X-RDP-Route';

// A prefix is a decoded path: anything a header value may not hold, and the value's own separators,
// are percent-encoded (as UTF-8), so the header always parses and never throws in writeHead.
function headerSafe(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9\-._~/!$&'()*+=:@]/gu, (char) => encodeURIComponent(char).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
}

function label(target: string, rule: number, prefix?: string): string {
  return prefix === undefined ? `${target}; rule=${rule}` : `${target}; rule=${rule}; prefix=${headerSafe(prefix)}`;
}

function byPrefix(target: string, rule: number, prefixes: readonly string[]): ReadonlyMap<string, string> {
  return new Map(prefixes.map((prefix) => [prefix, label(target, rule, prefix)]));
}

/** The header as extra lines for the proxy's own answers (flat raw form); none when it is off. */
export function routeHeaderLines(value: string | undefined): string[] {
  return value === undefined ? [] : [ROUTE_HEADER, value];
}

export class RouteLabels {
  private readonly reflex: ReadonlyMap<string, string>;
  private readonly django: ReadonlyMap<string, string>;
  private readonly djangoWs: string | undefined;
  private readonly frontendWs = label('frontend', 2);
  private readonly frontend = label('frontend', 4);
  private readonly noSocket = label('proxy', 2);
  private readonly notAllowed = label('proxy', 5);

  constructor(table: RouteTable) {
    this.reflex = byPrefix('reflex', 1, table.reflexPrefixes);
    this.django = byPrefix('django', 3, table.djangoPrefixes);
    this.djangoWs = table.djangoWsPrefix === undefined ? undefined : label('django', 2, table.djangoWsPrefix);
  }

  /** The header's value for a request `decision` sent on; undefined for /__rdp/ and unusable targets. */
  of(decision: Decision): string | undefined {
    const prefix = decision.kind === 'forward' ? decision.prefix : undefined;
    switch (decision.rule) {
      case 1:
        return this.reflex.get(prefix!);
      case 2:
        if (decision.kind === 'reject') return this.noSocket;
        return decision.upstream === 'django' ? this.djangoWs : this.frontendWs;
      case 3:
        return this.django.get(prefix!);
      case 4:
        return this.frontend;
      case 5:
        return this.notAllowed;
      default:
        return undefined;
    }
  }
}
