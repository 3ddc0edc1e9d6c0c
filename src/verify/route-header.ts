// Who answered a verify request, as the proxy says it: the X-RDP-Route header it puts on every
// response and WebSocket 101 (`reflex; rule=1; prefix=/_upload`). A status code alone cannot tell a
// Reflex 404 from a Django or Vite one; the route the proxy took can.

export const ROUTE_HEADER = 'x-rdp-route';

export interface RouteTaken {
  /** django, reflex, frontend, or proxy for its own answers. */
  readonly target: string;
  readonly rule: number | null;
  readonly prefix: string | null;
}

export function parseRoute(value: string | string[] | undefined): RouteTaken | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const [target, ...params] = text.split(';').map((part) => part.trim());
  const param = (name: string): string | undefined => params.find((part) => part.startsWith(`${name}=`))?.slice(name.length + 1);
  const rule = param('rule');
  return { target: target!, rule: rule === undefined || !/^\d+$/.test(rule) ? null : Number(rule), prefix: param('prefix') ?? null };
}

export function routeText(route: RouteTaken): string {
  return `${route.target}${route.rule === null ? '' : ` (rule ${route.rule}${route.prefix === null ? '' : `, prefix ${route.prefix}`})`}`;
}
