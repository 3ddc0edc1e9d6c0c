// What the dashboard shows of a request's and a response's headers: every header line, but never a
// cookie's value or a credential. Cookie shows the names it carried, Set-Cookie the name it set and
// its attributes (Path, SameSite, Secure: what decides whether a browser sends it back).

const CREDENTIALS = new Set(['authorization', 'proxy-authorization']);
const HIDDEN_VALUE = '…';

export type HeaderLine = readonly [name: string, value: string];

/** The names in a Cookie header, in the order sent. */
export function cookieNamesIn(header: string): string[] {
  const names: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    const name = (equals === -1 ? pair : pair.slice(0, equals)).trim();
    if (name !== '') names.push(name);
  }
  return names;
}

/** The cookie a Set-Cookie line sets. */
export function setCookieNameOf(line: string): string {
  const pair = line.slice(0, line.includes(';') ? line.indexOf(';') : undefined);
  return (pair.includes('=') ? pair.slice(0, pair.indexOf('=')) : pair).trim();
}

function withoutValue(setCookie: string): string {
  const attributes = setCookie.includes(';') ? setCookie.slice(setCookie.indexOf(';')) : '';
  return `${setCookieNameOf(setCookie)}=${HIDDEN_VALUE}${attributes}`;
}

/** Node's flat raw header list as [name, value] lines, with the values above hidden. */
export function visibleHeaders(raw: readonly string[]): HeaderLine[] {
  const lines: HeaderLine[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    const value = raw[i + 1]!;
    if (lower === 'cookie') lines.push([name, cookieNamesIn(value).map((cookie) => `${cookie}=${HIDDEN_VALUE}`).join('; ')]);
    else if (lower === 'set-cookie') lines.push([name, withoutValue(value)]);
    else if (CREDENTIALS.has(lower)) lines.push([name, value.includes(' ') ? `${value.slice(0, value.indexOf(' '))} ${HIDDEN_VALUE}` : HIDDEN_VALUE]);
    else lines.push([name, value]);
  }
  return lines;
}

/** A response's header block as sent (`HTTP/1.1 200 OK\r\nName: value\r\n…`) in the flat form. */
export function headerLinesOf(head: string): string[] {
  const flat: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) flat.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return flat;
}

/** The Content-Length a header block as sent says, or null (a streamed body, or none said). */
export function contentLengthInHead(head: string): number | null {
  const found = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i.exec(head);
  return found === null ? null : Number(found[1]);
}

/** A Content-Length in the flat headers, or null (a streamed body, or none said). */
export function contentLengthOf(raw: readonly string[]): number | null {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'content-length' && /^\d+$/.test(raw[i + 1]!)) return Number(raw[i + 1]);
  }
  return null;
}

/** Every cookie name the raw headers carry in `headerName` (cookie or set-cookie). */
export function cookieNamesOf(raw: readonly string[], headerName: 'cookie' | 'set-cookie'): string[] {
  const names: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== headerName) continue;
    if (headerName === 'cookie') names.push(...cookieNamesIn(raw[i + 1]!));
    else names.push(setCookieNameOf(raw[i + 1]!));
  }
  return names;
}
