// X-RDP-Route: the deciding rule on every proxied response and WebSocket 101, so a browser's
// network panel shows why (`django; rule=3; prefix=/admin`, `frontend; rule=4`). Every value the
// table in force can produce is built once, here, from the table; a request only looks its own up.
import type { Decision, RouteTable, Upstream } from '../router.js';

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

const UPSTREAMS: readonly Upstream[] = Object.freeze(['django', 'reflex', 'frontend']);

/** Every label one table can produce. */
class TableLabels {
  readonly reflex: ReadonlyMap<string, string>;
  readonly django: ReadonlyMap<string, string>;
  readonly djangoWs: string | undefined;
  // Rows 2 and 4 reach the frontend, the Reflex backend (single port) or Django (split): as decided.
  readonly upgrades = new Map(UPSTREAMS.map((upstream) => [upstream, label(upstream, 2)]));
  readonly pages = new Map(UPSTREAMS.map((upstream) => [upstream, label(upstream, 4)]));
  readonly noSocket = label('proxy', 2);
  readonly notAllowed = label('proxy', 5);

  constructor(table: RouteTable) {
    this.reflex = byPrefix('reflex', 1, table.reflexPrefixes);
    this.django = byPrefix('django', 3, table.djangoPrefixes);
    this.djangoWs = table.djangoWsPrefix === undefined ? undefined : label('django', 2, table.djangoWsPrefix);
  }
}

export class RouteLabels {
  private table: RouteTable | undefined;
  private labels: TableLabels | undefined;

  /** The table in force: the reserved prefixes follow the Reflex app's env.json, and the labels follow it. */
  constructor(private readonly currentTable: () => RouteTable) {}

  /** The header's value for a request `decision` sent on; undefined for /__rdp/ and unusable targets. */
  of(decision: Decision): string | undefined {
    const table = this.currentTable();
    if (table !== this.table || this.labels === undefined) {
      this.table = table;
      this.labels = new TableLabels(table);
    }
    const labels = this.labels;
    if (decision.kind === 'reject') {
      if (decision.rule === 2) return labels.noSocket;
      return decision.rule === 5 ? labels.notAllowed : undefined;
    }
    if (decision.kind !== 'forward') return undefined;
    switch (decision.rule) {
      case 1:
        return labels.reflex.get(decision.prefix!);
      case 2:
        return decision.prefix === undefined ? labels.upgrades.get(decision.upstream) : labels.djangoWs;
      case 3:
        return labels.django.get(decision.prefix!);
      case 4:
        return labels.pages.get(decision.upstream);
      default:
        return undefined;
    }
  }
}
