// `doctor`: the pure rules from tables, rxconfig.py read through the real interpreter, and the
// command against fixture projects (real Django 5.2 settings imported by the project's Python).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import type { Finding } from '../src/doctor/finding.js';
import {
  cookieDomainMatches,
  cookiePathMatches,
  djangoAdmitsHost,
  isLoopbackHost,
  socketOriginsAdmit,
  trustedOriginsAdmit,
  viteAdmitsHost,
} from '../src/doctor/hosts.js';
import type { DoctorInput } from '../src/doctor/input.js';
import { diagnose } from '../src/doctor/rules.js';
import { readRxconfig, type RxKeyword } from '../src/doctor/rxconfig.js';
import { runInProcess } from './helpers/cli.js';
import { CLI } from './helpers/proxy.js';
import { fixturesDir, python, repoRoot } from './helpers/paths.js';

const DOCTOR = join(fixturesDir, 'doctor');
const SHOWN = 'test/fixtures/doctor';
const VENV = dirname(dirname(python()));

// ---------------------------------------------------------------------------------------------
// The host and origin rules, as Django, browsers, engine.io and Vite apply them.

t.test('hosts: each rule from a table', async (t) => {
  const cases: Array<[string, boolean, boolean]> = [
    ['localhost', true, true],
    ['app.localhost', true, true],
    ['127.0.0.1', true, true],
    ['127.1.2.3', true, true],
    ['[::1]', true, true],
    ['192.168.1.20', false, true],
    ['app.example.test', false, false],
  ];
  for (const [host, loopback, vite] of cases) {
    t.equal(isLoopbackHost(host), loopback, `loopback ${host}`);
    t.equal(viteAdmitsHost(host, false), vite, `vite default ${host}`);
  }
  const allowed: Array<[string, string[], boolean, boolean]> = [
    ['localhost', [], true, true],
    ['127.0.0.1', [], true, true],
    ['[::1]', [], true, true],
    ['app.localhost', [], true, true],
    ['localhost', [], false, false],
    ['app.example.test', [], true, false],
    ['app.example.test', ['*'], false, true],
    ['app.example.test', ['.example.test'], false, true],
    ['example.test', ['.example.test'], false, true],
    ['app.example.test', ['APP.Example.test'], false, true],
    ['app.example.test', ['example.test'], false, false],
    ['app.example.test.', ['app.example.test'], false, true],
  ];
  for (const [host, list, debug, admitted] of allowed) t.equal(djangoAdmitsHost(host, list, debug), admitted, `ALLOWED_HOSTS ${JSON.stringify(list)} debug=${debug} ${host}`);
  const domains: Array<[string, string, boolean]> = [
    ['example.test', 'app.example.test', true],
    ['.example.test', 'app.example.test', true],
    ['app.example.test', 'app.example.test', true],
    ['other.test', 'app.example.test', false],
    ['ample.test', 'app.example.test', false],
    ['0.0.1', '127.0.0.1', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['localhost', 'localhost', true],
  ];
  for (const [domain, host, matches] of domains) t.equal(cookieDomainMatches(domain, host), matches, `Domain=${domain} on ${host}`);
  const paths: Array<[string, string, boolean]> = [
    ['/', '/_event', true],
    ['/_event', '/_event', true],
    ['/_ev', '/_event', false],
    ['/app/', '/_event', false],
    ['/x/', '/x/_event', true],
  ];
  for (const [cookiePath, path, matches] of paths) t.equal(cookiePathMatches(cookiePath, path), matches, `Path=${cookiePath} to ${path}`);
  const trusted: Array<[string[], string, boolean]> = [
    [['https://app.example.test'], 'https://app.example.test', true],
    [['https://*.example.test'], 'https://app.example.test', true],
    [['http://*.example.test'], 'https://app.example.test', false],
    [['https://*.example.test'], 'https://app.example.test:8443', false],
    [['https://*.example.test:8443'], 'https://app.example.test:8443', true],
    [['https://app.example.test/'], 'https://app.example.test', false],
  ];
  for (const [list, origin, admitted] of trusted) t.equal(trustedOriginsAdmit(list, origin), admitted, `CSRF_TRUSTED_ORIGINS ${JSON.stringify(list)} ${origin}`);
  const sockets: Array<[unknown, boolean]> = [
    ['*', true],
    [['*'], true],
    [[], true],
    [['http://localhost:8000'], true],
    ['http://localhost:8000', true],
    [['http://localhost:8000/'], false],
    [['http://localhost:3000'], false],
  ];
  for (const [allowedOrigins, admitted] of sockets) t.equal(socketOriginsAdmit(allowedOrigins, 'http://localhost:8000'), admitted, `cors_allowed_origins ${JSON.stringify(allowedOrigins)}`);
  t.equal(viteAdmitsHost('app.example.test', true), true, 'vite_allowed_hosts=True');
  t.equal(viteAdmitsHost('app.example.test', ['.example.test']), true, 'a .domain entry');
  t.equal(viteAdmitsHost('app.example.test', ['other.test']), false);
  t.equal(viteAdmitsHost('app.example.test', false, 'app.example.test'), true, '__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS');
});

// ---------------------------------------------------------------------------------------------
// The rules, pure: settings and rxconfig in, [setting, severity] out.

const DEFAULT_SETTINGS = {
  DEBUG: true,
  ALLOWED_HOSTS: [],
  SESSION_COOKIE_SECURE: false,
  SESSION_COOKIE_DOMAIN: null,
  SESSION_COOKIE_SAMESITE: 'Lax',
  SESSION_COOKIE_PATH: '/',
  CSRF_COOKIE_SECURE: false,
  CSRF_COOKIE_DOMAIN: null,
  CSRF_COOKIE_SAMESITE: 'Lax',
  CSRF_USE_SESSIONS: false,
  CSRF_TRUSTED_ORIGINS: [],
  USE_X_FORWARDED_HOST: false,
  SECURE_PROXY_SSL_HEADER: null,
  SECURE_SSL_REDIRECT: false,
  INSTALLED_APPS: ['django.contrib.sessions'],
};

const SECURE_COOKIES = { SESSION_COOKIE_SECURE: true, CSRF_COOKIE_SECURE: true };
/** What an https site sets, and what the --https tests' Django fixture sets (RDP_FIXTURE_HTTPS=1). */
const HTTPS_READY = { ...SECURE_COOKIES, SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] };

function literal(value: unknown, line = 4): RxKeyword {
  return { literal: true, value, source: JSON.stringify(value), line };
}

interface RuleCase {
  readonly name: string;
  readonly publicUrl?: string;
  readonly settings?: Record<string, unknown>;
  readonly rx?: Record<string, RxKeyword>;
  readonly input?: Partial<DoctorInput>;
  readonly expect: Array<[string, 'error' | 'warning']>;
}

const RULE_CASES: RuleCase[] = [
  { name: 'defaults on localhost: nothing', expect: [] },
  { name: 'defaults on 127.0.0.1: nothing', publicUrl: 'http://127.0.0.1:8000', expect: [] },
  { name: 'Secure session cookie on loopback http', settings: { SESSION_COOKIE_SECURE: true }, expect: [['SESSION_COOKIE_SECURE', 'warning']] },
  { name: 'Secure session cookie on [::1]', publicUrl: 'http://[::1]:8000', settings: { SESSION_COOKIE_SECURE: true }, expect: [['SESSION_COOKIE_SECURE', 'warning']] },
  { name: 'Secure cookies on another http host', publicUrl: 'http://app.example.test', settings: { ALLOWED_HOSTS: ['app.example.test'], SESSION_COOKIE_SECURE: true, CSRF_COOKIE_SECURE: true }, expect: [['SESSION_COOKIE_SECURE', 'error'], ['CSRF_COOKIE_SECURE', 'error']] },
  { name: 'Secure cookies on https behind a TLS terminator: the login passes through CSRF_TRUSTED_ORIGINS, Django still sees http', publicUrl: 'https://app.example.test', settings: { ALLOWED_HOSTS: ['app.example.test'], ...SECURE_COOKIES, CSRF_TRUSTED_ORIGINS: ['https://app.example.test'] }, expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  { name: 'CSRF_COOKIE_SECURE with CSRF_USE_SESSIONS: no cookie to judge', publicUrl: 'http://app.example.test', settings: { ALLOWED_HOSTS: ['*'], CSRF_COOKIE_SECURE: true, CSRF_USE_SESSIONS: true }, expect: [] },
  { name: 'cookie domain elsewhere', settings: { SESSION_COOKIE_DOMAIN: '.example.test', CSRF_COOKIE_DOMAIN: 'other.test' }, expect: [['SESSION_COOKIE_DOMAIN', 'error'], ['CSRF_COOKIE_DOMAIN', 'error']] },
  { name: 'cookie domain covering the host', publicUrl: 'http://app.example.test', settings: { ALLOWED_HOSTS: ['.example.test'], SESSION_COOKIE_DOMAIN: '.example.test' }, expect: [] },
  { name: 'SameSite=None without Secure', settings: { SESSION_COOKIE_SAMESITE: 'None' }, expect: [['SESSION_COOKIE_SAMESITE', 'error']] },
  { name: 'SameSite=None with Secure: unnecessary', publicUrl: 'https://localhost', settings: { SESSION_COOKIE_SAMESITE: 'None', ...HTTPS_READY }, input: { servesTls: true }, expect: [['SESSION_COOKIE_SAMESITE', 'warning']] },
  { name: 'SameSite Strict or False: fine', settings: { SESSION_COOKIE_SAMESITE: 'Strict', CSRF_COOKIE_SAMESITE: false }, expect: [] },
  { name: 'session cookie path not covering /_event', settings: { SESSION_COOKIE_PATH: '/app/' }, expect: [['SESSION_COOKIE_PATH', 'error']] },
  { name: 'session cookie path under the backend path', settings: { SESSION_COOKIE_PATH: '/x' }, input: { eventPath: '/x/_event' }, expect: [] },
  { name: 'ALLOWED_HOSTS without the host', settings: { ALLOWED_HOSTS: ['api.example.test'] }, expect: [['ALLOWED_HOSTS', 'error']] },
  { name: 'empty ALLOWED_HOSTS without DEBUG', settings: { DEBUG: false }, expect: [['ALLOWED_HOSTS', 'error']] },
  { name: 'empty ALLOWED_HOSTS with DEBUG on another host', publicUrl: 'http://app.example.test:8000', expect: [['ALLOWED_HOSTS', 'error']] },
  { name: "ALLOWED_HOSTS '*'", publicUrl: 'http://app.example.test:8000', settings: { ALLOWED_HOSTS: ['*'] }, expect: [] },
  { name: 'CSRF_TRUSTED_ORIGINS on http: unnecessary', settings: { CSRF_TRUSTED_ORIGINS: ['http://localhost:3000'] }, expect: [['CSRF_TRUSTED_ORIGINS', 'warning']] },
  { name: 'https behind a TLS terminator, no SSL header: Django sees http, the login gets 403', publicUrl: 'https://app.example.test', settings: { ALLOWED_HOSTS: ['app.example.test'], ...SECURE_COOKIES }, expect: [['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: 'https: a wildcard trusted origin lets the login pass', publicUrl: 'https://app.example.test', settings: { ALLOWED_HOSTS: ['app.example.test'], ...SECURE_COOKIES, CSRF_TRUSTED_ORIGINS: ['https://*.example.test'] }, expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  {
    name: 'https with --trust-proxy and the SSL header: Django sees https, trusted origins unnecessary',
    publicUrl: 'https://app.example.test',
    settings: { ALLOWED_HOSTS: ['app.example.test'], ...HTTPS_READY, CSRF_TRUSTED_ORIGINS: ['https://app.example.test'], SECURE_SSL_REDIRECT: true },
    input: { trustProxy: true },
    expect: [['CSRF_TRUSTED_ORIGINS', 'warning']],
  },
  {
    name: 'https, SSL header without --trust-proxy: overwritten, so a redirect loop and a 403 login',
    publicUrl: 'https://app.example.test',
    settings: { ALLOWED_HOSTS: ['app.example.test'], ...HTTPS_READY, SECURE_SSL_REDIRECT: true },
    expect: [['SECURE_SSL_REDIRECT', 'error'], ['SECURE_PROXY_SSL_HEADER', 'error']],
  },
  { name: '--https, Django set up for it: nothing', publicUrl: 'https://127.0.0.1:8000', settings: { ...HTTPS_READY, SECURE_SSL_REDIRECT: true }, input: { servesTls: true }, expect: [] },
  { name: '--https without SECURE_PROXY_SSL_HEADER: the login gets 403', publicUrl: 'https://127.0.0.1:8000', settings: SECURE_COOKIES, input: { servesTls: true }, expect: [['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: '--https, the SSL header names one the proxy does not send', publicUrl: 'https://127.0.0.1:8000', settings: { ...SECURE_COOKIES, SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_SSL', 'on'] }, input: { servesTls: true }, expect: [['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: '--https needs no --trust-proxy: the proxy sends X-Forwarded-Proto itself', publicUrl: 'https://127.0.0.1:8000', settings: HTTPS_READY, input: { servesTls: true, trustProxy: true }, expect: [] },
  { name: '--https, cookies without Secure: warnings', publicUrl: 'https://127.0.0.1:8000', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] }, input: { servesTls: true }, expect: [['SESSION_COOKIE_SECURE', 'warning'], ['CSRF_COOKIE_SECURE', 'warning']] },
  { name: '--https, no CSRF cookie under CSRF_USE_SESSIONS: one warning', publicUrl: 'https://127.0.0.1:8000', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'], CSRF_USE_SESSIONS: true }, input: { servesTls: true }, expect: [['SESSION_COOKIE_SECURE', 'warning']] },
  { name: '--https, CSRF_TRUSTED_ORIGINS naming http, Django sees http', publicUrl: 'https://127.0.0.1:8000', settings: { ...SECURE_COOKIES, CSRF_TRUSTED_ORIGINS: ['http://127.0.0.1:8000'] }, input: { servesTls: true }, expect: [['CSRF_TRUSTED_ORIGINS', 'error'], ['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: '--https, CSRF_TRUSTED_ORIGINS naming http, Django sees https', publicUrl: 'https://127.0.0.1:8000', settings: { ...HTTPS_READY, CSRF_TRUSTED_ORIGINS: ['http://127.0.0.1:8000'] }, input: { servesTls: true }, expect: [['CSRF_TRUSTED_ORIGINS', 'warning']] },
  { name: '--https, the https origin trusted but no SSL header: the login passes, Django sees http', publicUrl: 'https://127.0.0.1:8000', settings: { ...SECURE_COOKIES, CSRF_TRUSTED_ORIGINS: ['https://127.0.0.1:8000'] }, input: { servesTls: true }, expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  { name: '--https, SSL redirect without the header: a loop', publicUrl: 'https://127.0.0.1:8000', settings: { ...SECURE_COOKIES, SECURE_SSL_REDIRECT: true }, input: { servesTls: true }, expect: [['SECURE_SSL_REDIRECT', 'error'], ['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: 'SSL header on http', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] }, expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  { name: 'SSL header on http with --trust-proxy: risky', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] }, input: { trustProxy: true }, expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  { name: 'SSL redirect on http', settings: { SECURE_SSL_REDIRECT: true }, expect: [['SECURE_SSL_REDIRECT', 'error']] },
  { name: 'USE_X_FORWARDED_HOST', settings: { USE_X_FORWARDED_HOST: true }, expect: [['USE_X_FORWARDED_HOST', 'warning']] },
  { name: 'CORS_* with or without django-cors-headers', settings: { CORS_ALLOWED_ORIGINS: ['http://localhost:3000'], CORS_ALLOW_CREDENTIALS: true }, expect: [['CORS_ALLOWED_ORIGINS', 'warning'], ['CORS_ALLOW_CREDENTIALS', 'warning']] },
  { name: 'rxconfig without pinned values: nothing', rx: { app_name: literal('app') }, expect: [] },
  { name: 'api_url pinned to the backend port', rx: { api_url: literal('http://localhost:8002') }, expect: [['api_url', 'error']] },
  { name: 'api_url equal to the public origin', rx: { api_url: literal('http://localhost:8000/') }, expect: [] },
  { name: 'api_url on localhost, page on 127.0.0.1: Reflex moves it to the page host', publicUrl: 'http://127.0.0.1:8000', rx: { api_url: literal('http://localhost:8000') }, expect: [] },
  { name: 'api_url on localhost over https on 8443: the socket goes to 443', publicUrl: 'https://localhost:8443', settings: HTTPS_READY, input: { servesTls: true }, rx: { api_url: literal('https://localhost:8443') }, expect: [['api_url', 'error']] },
  { name: 'api_url on 127.0.0.1 over https: kept', publicUrl: 'https://127.0.0.1:8443', settings: HTTPS_READY, input: { servesTls: true }, rx: { api_url: literal('https://127.0.0.1:8443') }, expect: [] },
  { name: 'api_url on localhost over https on 443: the dropped port is right', publicUrl: 'https://localhost', settings: HTTPS_READY, input: { servesTls: true }, rx: { api_url: literal('https://localhost') }, expect: [] },
  { name: 'api_url not a literal', rx: { api_url: { literal: false, value: null, source: 'os.environ["API_URL"]', line: 5 } }, expect: [['api_url', 'warning']] },
  { name: 'cors_allowed_origins without the origin', rx: { cors_allowed_origins: literal(['http://localhost:3000']) }, expect: [['cors_allowed_origins', 'error']] },
  { name: 'cors_allowed_origins with the origin', rx: { cors_allowed_origins: literal(['http://localhost:3000', 'http://localhost:8000']) }, expect: [] },
  { name: 'vite hosts on localhost: not needed', rx: { app_name: literal('app') }, expect: [] },
  { name: 'vite hosts missing for a named host', publicUrl: 'http://app.example.test:8000', settings: { ALLOWED_HOSTS: ['*'] }, rx: { app_name: literal('app') }, expect: [['vite_allowed_hosts', 'error']] },
  { name: 'vite hosts listing another host', publicUrl: 'http://app.example.test:8000', settings: { ALLOWED_HOSTS: ['*'] }, rx: { vite_allowed_hosts: literal(['other.test']) }, expect: [['vite_allowed_hosts', 'error']] },
  { name: 'vite hosts missing, but the proxy starts Reflex and tells it', publicUrl: 'http://app.example.test:8000', settings: { ALLOWED_HOSTS: ['*'] }, rx: { app_name: literal('app') }, input: { reflexStartedByProxy: true }, expect: [['vite_allowed_hosts', 'warning']] },
  { name: 'vite hosts True', publicUrl: 'http://app.example.test:8000', settings: { ALLOWED_HOSTS: ['*'] }, rx: { vite_allowed_hosts: literal(true) }, expect: [] },
  { name: 'vite hosts on an IP: not needed', publicUrl: 'http://192.168.1.20:8000', settings: { ALLOWED_HOSTS: ['*'] }, rx: { app_name: literal('app') }, expect: [] },
  { name: 'vite hosts with --frontend-dir: no Vite', publicUrl: 'http://app.example.test:8000', settings: { ALLOWED_HOSTS: ['*'] }, rx: { app_name: literal('app') }, input: { frontendIsDirectory: true }, expect: [] },
];

function ruleInput(rule: RuleCase): DoctorInput {
  return {
    publicUrl: rule.publicUrl ?? 'http://localhost:8000',
    trustProxy: false,
    servesTls: false,
    reflexStartedByProxy: false,
    envJson: null,
    eventPath: '/_event',
    frontendIsDirectory: false,
    django: { settings: { ...DEFAULT_SETTINGS, ...rule.settings }, locations: { ALLOWED_HOSTS: { file: 'site/settings.py', line: 7 } }, settingsFile: 'site/settings.py' },
    rxconfig: rule.rx === undefined ? null : { file: 'rxconfig.py', callLine: 3, keywords: rule.rx },
    ...rule.input,
  };
}

t.test('rules: each setting from a table, errors first', async (t) => {
  for (const rule of RULE_CASES) {
    const findings = diagnose(ruleInput(rule));
    t.same(
      findings.map((finding) => [finding.setting, finding.severity]),
      rule.expect,
      rule.name,
    );
    for (const finding of findings) {
      t.ok(finding.why.length > 0 && !finding.why.includes('\n'), `${rule.name}: one line of why`);
      t.ok(finding.fix.length > 0 && !finding.fix.includes('\n'), `${rule.name}: one line of fix`);
    }
  }
});

t.test('rules: a fix names the line, or the file when the setting has no line', async (t) => {
  const [hosts] = diagnose(ruleInput({ name: '', settings: { ALLOWED_HOSTS: ['api.example.test'] }, expect: [] }));
  t.match(hosts, { setting: 'ALLOWED_HOSTS', value: ['api.example.test'], valueText: "['api.example.test']", location: { file: 'site/settings.py', line: 7 } });
  t.match(hosts!.fix, "in site/settings.py:7, add 'localhost' to ALLOWED_HOSTS");
  const [secure] = diagnose(ruleInput({ name: '', settings: { SESSION_COOKIE_SECURE: true }, expect: [] }));
  t.match(secure, { location: { file: 'site/settings.py', line: null }, fix: /^in site\/settings\.py, set SESSION_COOKIE_SECURE = False/ });
  t.match(secure!.why, /Chromium and Firefox still send a Secure cookie to localhost/);
  const [vite] = diagnose(ruleInput({ name: '', publicUrl: 'http://app.example.test', settings: { ALLOWED_HOSTS: ['*'] }, rx: { app_name: literal('app') }, expect: [] }));
  t.match(vite, { setting: 'vite_allowed_hosts', value: null, valueText: 'not set', location: { file: 'rxconfig.py', line: 3 } });
  t.match(vite!.fix, "in rxconfig.py:3, add vite_allowed_hosts=['app.example.test'] to the Config(...) call");
  const [ssl] = diagnose(ruleInput({ name: '', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] }, expect: [] }));
  t.equal(ssl!.valueText, "('HTTP_X_FORWARDED_PROTO', 'https')");
  t.match(ssl!.why, /X-Forwarded-Proto: http unless --trust-proxy/);
});

t.test('https: the findings name SECURE_PROXY_SSL_HEADER, the cookies and where the socket lands', async (t) => {
  const https = (settings: Record<string, unknown>, more: Partial<RuleCase> = {}) =>
    diagnose(ruleInput({ name: '', publicUrl: 'https://127.0.0.1:8000', settings, input: { servesTls: true }, expect: [], ...more }));
  const [missing] = https(SECURE_COOKIES);
  t.match(missing, { setting: 'SECURE_PROXY_SSL_HEADER', severity: 'error', valueText: 'None', location: { file: 'site/settings.py', line: null } });
  t.equal(missing!.why, 'not set: request.is_secure() is false behind the proxy, so Django compares the browser\'s Origin https://127.0.0.1:8000 with http://127.0.0.1:8000: every POST, the admin login included, gets 403 "Origin checking failed"');
  t.equal(missing!.fix, "in site/settings.py, set SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') (--https sends X-Forwarded-Proto: https), or add 'https://127.0.0.1:8000' to CSRF_TRUSTED_ORIGINS");
  const [cookie] = https({ SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] });
  t.match(cookie, { setting: 'SESSION_COOKIE_SECURE', severity: 'warning', why: /https but the session cookie has no Secure flag: the browser would send it over plain http too/ });
  t.match(cookie!.fix, 'set SESSION_COOKIE_SECURE = True for https');
  const [http] = https({ ...SECURE_COOKIES, CSRF_TRUSTED_ORIGINS: ['http://127.0.0.1:8000'] });
  t.match(http, { setting: 'CSRF_TRUSTED_ORIGINS', severity: 'error', why: /names 'http:\/\/127\.0\.0\.1:8000' but not https:\/\/127\.0\.0\.1:8000/ });
  t.match(http!.fix, "replace 'http://127.0.0.1:8000' with 'https://127.0.0.1:8000'");
  const [dropped] = diagnose(ruleInput({ name: '', publicUrl: 'https://localhost:8443', settings: HTTPS_READY, input: { servesTls: true }, rx: { api_url: literal('https://localhost:8443') }, expect: [] }));
  t.match(dropped, { setting: 'api_url', severity: 'error', why: /drops its port: the \/_event socket and uploads go to https:\/\/localhost \(port 443\), not https:\/\/localhost:8443/ });
  t.match(dropped!.fix, /let REFLEX_API_URL=https:\/\/127\.0\.0\.1:8443 set it .*, and open https:\/\/127\.0\.0\.1:8443$/);

  const envJson = (url: string) => ({ file: 'frontend/.web/env.json', endpoints: { EVENT: url }, lines: { EVENT: 3 } });
  const cases: Array<[string, string, boolean, Array<[string, 'error' | 'warning']>]> = [
    ['https://127.0.0.1:8000', 'wss://127.0.0.1:8000/_event', false, []],
    ['https://127.0.0.1:8000', 'ws://localhost:8000/_event', false, [['EVENT', 'error']]],
    ['https://127.0.0.1:8000', 'ws://localhost:8000/_event', true, [['EVENT', 'warning']]],
    ['https://localhost', 'ws://localhost:8000/_event', false, []],
    ['http://localhost:8000', 'ws://localhost:8000/_event', false, []],
    ['http://127.0.0.1:8000', 'ws://localhost:8000/_event', false, []],
    ['http://localhost:8000', 'ws://localhost:8002/_event', false, [['EVENT', 'error']]],
    ['http://localhost:8000', 'ws://127.0.0.1:8000/_event', false, [['EVENT', 'error']]],
  ];
  for (const [publicUrl, event, started, expect] of cases) {
    const findings = diagnose({ ...ruleInput({ name: '', publicUrl, expect: [] }), django: null, envJson: envJson(event), reflexStartedByProxy: started });
    t.same(findings.map((finding) => [finding.setting, finding.severity]), expect, `${event} on ${publicUrl}${started ? ', Reflex started by the proxy' : ''}`);
  }
  const [port443] = diagnose({ ...ruleInput({ name: '', publicUrl: 'https://127.0.0.1:8000', expect: [] }), django: null, envJson: envJson('ws://localhost:8000/_event'), reflexStartedByProxy: false });
  t.match(port443, { source: 'env.json', location: { file: 'frontend/.web/env.json', line: 3 }, valueText: '"ws://localhost:8000/_event"' });
  t.match(port443!.why, "drops its port: the page sends its /_event socket to wss://127.0.0.1/_event (port 443), not https://127.0.0.1:8000");
  t.equal(port443!.fix, 'restart `reflex run` with REFLEX_API_URL=https://127.0.0.1:8000 (and API_URL for Reflex ≤ 0.7): it is baked into frontend/.web/env.json:3 at start (the proxy sets it for the Reflex it starts)');
  const [dropped8443] = diagnose({ ...ruleInput({ name: '', publicUrl: 'https://localhost:8443', expect: [] }), django: null, envJson: envJson('wss://localhost:8443/_event') });
  t.match(dropped8443!.fix, /REFLEX_API_URL=https:\/\/127\.0\.0\.1:8443 \(and API_URL for Reflex ≤ 0\.7\), and open https:\/\/127\.0\.0\.1:8443: /, 'a REFLEX_API_URL whose port survives');
});

// ---------------------------------------------------------------------------------------------
// rxconfig.py, read with ast through the real interpreter.

t.test('rxconfig: keywords, literal values and their lines, statically', async (t) => {
  const read = (name: string) => readRxconfig(python(), join(DOCTOR, 'rxconfig', name), { PATH: process.env.PATH });
  const pinned = await read('api-url-elsewhere.py');
  t.same(pinned.keywords.api_url, { literal: true, value: 'http://localhost:8002', source: '"http://localhost:8002"', line: 5 });
  t.equal(pinned.callLine, 3);
  const cors = await read('cors-without-origin.py');
  t.same(cors.keywords.cors_allowed_origins?.value, ['http://localhost:3000', 'http://localhost:8000/']);
  const vite = await read('vite-hosts.py');
  t.same(vite.keywords.vite_allowed_hosts, { literal: true, value: ['.corp.example.test'], source: '[".corp.example.test"]', line: 5 });
  const dynamic = await read('not-literal.py');
  t.same(dynamic.keywords.api_url, { literal: false, value: null, source: 'os.environ.get("API_URL", "http://localhost:8002")', line: 8 });
  t.same(dynamic.keywords.cors_allowed_origins?.value, ['*'], 'a tuple arrives as a list');
  t.match(dynamic.notes, ['**extra at line 10 cannot be read statically']);
  const broken = await read('syntax-error.py');
  t.match(broken, { keywords: {}, error: /^SyntaxError: .*\(line 3\)$/ });
  const missing = await read('no-such-file.py');
  t.match(missing.error, /FileNotFoundError/);
});

// ---------------------------------------------------------------------------------------------
// The command, in-process, against fixture projects.

interface JsonReport {
  ok: boolean;
  project: string;
  publicUrl: string;
  django: { settingsModule: string; settingsFile: string; python: string };
  rxconfig: { file: string; notes: string[]; error: string | null } | null;
  summary: { errors: number; warnings: number };
  findings: Array<Omit<Finding, 'location'> & { file: string | null; line: number | null }>;
}

function doctor(args: string[], env: Record<string, string> = {}, cwd = repoRoot) {
  return runInProcess(['doctor', ...args], { VIRTUAL_ENV: VENV, ...env }, cwd);
}

async function doctorJson(args: string[], env: Record<string, string> = {}, cwd = repoRoot) {
  const result = await doctor([...args, '--json'], env, cwd);
  if (result.stderr !== '') throw new Error(`doctor ${args.join(' ')} wrote to stderr: ${result.stderr}`);
  return { code: result.code, report: JSON.parse(result.stdout) as JsonReport };
}

/** 1-based line of the first line starting with `start`. */
function lineOf(file: string, start: string): number {
  const index = readFileSync(join(repoRoot, file), 'utf8').split('\n').findIndex((line) => line.trimStart().startsWith(start));
  if (index === -1) throw new Error(`${start} not in ${file}`);
  return index + 1;
}

t.test('a clean project: no findings, exit 0', async (t) => {
  const { code, report } = await doctorJson(['--project', join(DOCTOR, 'clean')]);
  t.equal(code, 0);
  t.match(report, {
    ok: true,
    publicUrl: 'http://localhost:8000',
    django: { settingsModule: 'clean_site.settings', settingsFile: `${SHOWN}/clean/clean_site/settings.py`, python: join(VENV, 'bin', 'python') },
    rxconfig: { file: `${SHOWN}/clean/rxconfig.py`, notes: [], error: null },
    summary: { errors: 0, warnings: 0 },
    findings: [],
  });
  const text = await doctor(['--project', join(DOCTOR, 'clean')]);
  t.equal(text.code, 0);
  t.match(text.stdout, /no problems: nothing in these settings breaks one-origin sessions on http:\/\/localhost:8000/);
  // A clean project is clean on 127.0.0.1 too, and a https origin only needs what it needs.
  t.equal((await doctorJson(['--project', join(DOCTOR, 'clean'), '--public-url', 'http://127.0.0.1:8000'])).report.findings.length, 0);
});

const BROKEN_SETTINGS = `${SHOWN}/broken/broken_site/settings.py`;
const BROKEN_RX = `${SHOWN}/broken/rxconfig.py`;

t.test('a broken project: every setting found with its severity, value and line', async (t) => {
  const { code, report } = await doctorJson(['--project', join(DOCTOR, 'broken')]);
  t.equal(code, 1, 'errors exit 1');
  const expected: Array<[string, 'error' | 'warning', unknown, string]> = [
    ['ALLOWED_HOSTS', 'error', ['api.example.test'], BROKEN_SETTINGS],
    ['SESSION_COOKIE_DOMAIN', 'error', 'legacy.example.test', BROKEN_SETTINGS],
    ['SESSION_COOKIE_SAMESITE', 'error', 'None', BROKEN_SETTINGS],
    ['api_url', 'error', 'http://localhost:8002', BROKEN_RX],
    ['cors_allowed_origins', 'error', ['http://localhost:3000'], BROKEN_RX],
    ['CSRF_COOKIE_SECURE', 'warning', true, BROKEN_SETTINGS],
    ['CSRF_TRUSTED_ORIGINS', 'warning', ['http://localhost:3000'], BROKEN_SETTINGS],
    ['SECURE_PROXY_SSL_HEADER', 'warning', ['HTTP_X_FORWARDED_PROTO', 'https'], BROKEN_SETTINGS],
    ['USE_X_FORWARDED_HOST', 'warning', true, BROKEN_SETTINGS],
    ['CORS_ALLOWED_ORIGINS', 'warning', ['http://localhost:3000'], BROKEN_SETTINGS],
    ['CORS_ALLOW_CREDENTIALS', 'warning', true, BROKEN_SETTINGS],
  ];
  t.same(
    report.findings.map((finding) => finding.setting),
    expected.map(([setting]) => setting),
  );
  for (const [setting, severity, value, file] of expected) {
    const finding = report.findings.find((candidate) => candidate.setting === setting);
    const line = lineOf(file, file === BROKEN_RX ? `${setting}=` : `${setting} =`);
    t.match(finding, { severity, value, file, line, source: file === BROKEN_RX ? 'rxconfig' : 'django' }, setting);
    t.match(finding?.fix, `in ${file}:${line}, `, `${setting}: the fix names ${file}:${line}`);
  }
  t.same(report.summary, { errors: 5, warnings: 6 });
  t.equal(report.ok, false);
});

t.test('the broken project on a named http host: Secure is an error, Vite refuses the host', async (t) => {
  const { code, report } = await doctorJson(['--project', join(DOCTOR, 'broken'), '--public-url', 'http://app.example.test:8000']);
  t.equal(code, 1);
  const severity = (setting: string) => report.findings.find((finding) => finding.setting === setting)?.severity;
  t.equal(severity('CSRF_COOKIE_SECURE'), 'error');
  const vite = report.findings.find((finding) => finding.setting === 'vite_allowed_hosts');
  t.match(vite, { severity: 'warning', value: ['legacy.example.test'], file: BROKEN_RX, line: lineOf(BROKEN_RX, 'vite_allowed_hosts='), why: /Vite answers 403.*the Reflex the proxy starts gets it in REFLEX_VITE_ALLOWED_HOSTS/ });
  t.match(vite?.fix, "add 'app.example.test' to vite_allowed_hosts");
  const running = ['--reflex-backend-url', 'http://127.0.0.1:8002', '--reflex-frontend-url', 'http://127.0.0.1:3000'];
  const own = await doctorJson(['--project', join(DOCTOR, 'broken'), '--public-url', 'http://app.example.test:8000', ...running]);
  t.match(own.report.findings.find((finding) => finding.setting === 'vite_allowed_hosts'), { severity: 'error' }, 'a Reflex the proxy does not start is not told: an error');
  const single = await doctorJson(['--project', join(DOCTOR, 'broken'), '--public-url', 'http://app.example.test:8000', '--reflex-single-port']);
  t.notOk(single.report.findings.some((finding) => finding.setting === 'vite_allowed_hosts'), 'a single-port Reflex has no Vite');
});

t.test('.web/env.json baked with another origin: an error naming the file, the value and the fix', async (t) => {
  const dir = projectWith(t, 'api-url-public.py');
  const running = ['--reflex-backend-url', 'http://127.0.0.1:8002', '--reflex-frontend-url', 'http://127.0.0.1:3000'];
  const envJson = (origin: string) =>
    writeFileSync(join(dir, '.web', 'env.json'), JSON.stringify({ PING: `http://${origin}/ping`, EVENT: `ws://${origin}/_event`, UPLOAD: `http://${origin}/_upload`, TRANSPORT: 'websocket' }, null, 2));
  envJson('localhost:8002');
  const text = await doctor(['--project', dir, ...running], {}, dir);
  t.equal(text.code, 1, 'exit 1');
  t.match(text.stdout, 'error    EVENT = "ws://localhost:8002/_event"\n');
  t.match(text.stdout, '  why    the page sends its /_event socket to http://localhost:8002 (and PING, UPLOAD with it), not http://localhost:8000: it goes around the proxy');
  t.match(text.stdout, '  fix    restart `reflex run` with REFLEX_API_URL=http://localhost:8000 (and API_URL for Reflex ≤ 0.7): it is baked into .web/env.json:3 at start (the proxy sets it for the Reflex it starts)\n');
  const { report } = await doctorJson(['--project', dir, ...running], {}, dir);
  t.same(report.findings.map((finding) => [finding.source, finding.setting, finding.value, finding.file, finding.line]), [['env.json', 'EVENT', 'ws://localhost:8002/_event', '.web/env.json', 3]]);
  const supervised = await doctorJson(['--project', dir], {}, dir);
  t.equal(supervised.code, 0, 'the proxy starts Reflex, which writes env.json again');
  t.match(supervised.report.findings.find((finding) => finding.source === 'env.json'), { setting: 'EVENT', severity: 'warning' });

  envJson('localhost:8000');
  t.equal((await doctor(['--project', dir, ...running], {}, dir)).code, 0, 'env.json on the public origin: nothing to say');
  const onIp = await doctorJson(['--project', dir, '--public-url', 'http://127.0.0.1:8000', ...running], {}, dir);
  t.same(onIp.report.findings.filter((finding) => finding.source === 'env.json'), [], "localhost in env.json is the page's own host to Reflex's client: the same origin");
});

t.test('text output: one block per finding and a summary', async (t) => {
  const { code, stdout, stderr } = await doctor(['--project', join(DOCTOR, 'broken')]);
  t.equal(code, 1);
  t.equal(stderr, '');
  t.match(stdout, /^doctor: public URL http:\/\/localhost:8000\n/);
  t.match(stdout, `  Django  broken_site.settings (${BROKEN_SETTINGS}), read with`);
  t.match(stdout, `error    SESSION_COOKIE_DOMAIN = 'legacy.example.test'\n  why    browsers refuse a cookie with Domain=legacy.example.test from localhost`);
  t.match(stdout, `\n  fix    in ${BROKEN_SETTINGS}:${lineOf(BROKEN_SETTINGS, 'SESSION_COOKIE_DOMAIN =')}, set SESSION_COOKIE_DOMAIN = None`);
  t.match(stdout, "warning  SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')");
  t.match(stdout, /\n5 errors, 6 warnings: the errors break one-origin sessions on http:\/\/localhost:8000\n$/);
});

const TUNABLE = join(DOCTOR, 'tunable');
const TUNABLE_SETTINGS = `${SHOWN}/tunable/tunable_site/settings.py`;

interface TunableCase {
  readonly name: string;
  readonly settings: Record<string, unknown>;
  readonly args?: string[];
  readonly expect: Array<[string, 'error' | 'warning']>;
}

const TUNABLE_CASES: TunableCase[] = [
  { name: 'nothing overridden: clean', settings: {}, expect: [] },
  { name: 'SESSION_COOKIE_SECURE on localhost', settings: { SESSION_COOKIE_SECURE: true }, expect: [['SESSION_COOKIE_SECURE', 'warning']] },
  { name: 'SESSION_COOKIE_SECURE on a named http host', settings: { SESSION_COOKIE_SECURE: true, ALLOWED_HOSTS: ['app.example.test'] }, args: ['--public-url', 'http://app.example.test:8000'], expect: [['SESSION_COOKIE_SECURE', 'error']] },
  { name: 'SESSION_COOKIE_DOMAIN elsewhere', settings: { SESSION_COOKIE_DOMAIN: 'other.example.test' }, expect: [['SESSION_COOKIE_DOMAIN', 'error']] },
  { name: 'SESSION_COOKIE_SAMESITE None', settings: { SESSION_COOKIE_SAMESITE: 'None' }, expect: [['SESSION_COOKIE_SAMESITE', 'error']] },
  { name: 'SESSION_COOKIE_PATH', settings: { SESSION_COOKIE_PATH: '/admin/' }, expect: [['SESSION_COOKIE_PATH', 'error']] },
  { name: 'ALLOWED_HOSTS without DEBUG', settings: { DEBUG: false }, expect: [['ALLOWED_HOSTS', 'error']] },
  { name: 'ALLOWED_HOSTS with a .domain pattern', settings: { ALLOWED_HOSTS: ['.example.test'] }, args: ['--public-url', 'http://app.example.test:8000'], expect: [] },
  { name: 'CSRF_TRUSTED_ORIGINS on http', settings: { CSRF_TRUSTED_ORIGINS: ['http://localhost:3000'] }, expect: [['CSRF_TRUSTED_ORIGINS', 'warning']] },
  { name: 'https behind a TLS terminator without the SSL header: the login gets 403', settings: { ALLOWED_HOSTS: ['app.example.test'], ...SECURE_COOKIES }, args: ['--public-url', 'https://app.example.test'], expect: [['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: 'CSRF_TRUSTED_ORIGINS given on https: the login passes, Django sees http', settings: { ALLOWED_HOSTS: ['app.example.test'], ...SECURE_COOKIES, CSRF_TRUSTED_ORIGINS: ['https://app.example.test'] }, args: ['--public-url', 'https://app.example.test'], expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  { name: 'USE_X_FORWARDED_HOST', settings: { USE_X_FORWARDED_HOST: true }, expect: [['USE_X_FORWARDED_HOST', 'warning']] },
  { name: 'SECURE_PROXY_SSL_HEADER', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] }, expect: [['SECURE_PROXY_SSL_HEADER', 'warning']] },
  { name: 'SECURE_PROXY_SSL_HEADER with --trust-proxy on https: the right setup', settings: { ALLOWED_HOSTS: ['app.example.test'], ...HTTPS_READY }, args: ['--public-url', 'https://app.example.test', '--trust-proxy'], expect: [] },
  { name: '--https, Django set up for it', settings: HTTPS_READY, args: ['--https'], expect: [] },
  { name: '--https without SECURE_PROXY_SSL_HEADER', settings: SECURE_COOKIES, args: ['--https'], expect: [['SECURE_PROXY_SSL_HEADER', 'error']] },
  { name: '--https, cookies without Secure', settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'] }, args: ['--https'], expect: [['SESSION_COOKIE_SECURE', 'warning'], ['CSRF_COOKIE_SECURE', 'warning']] },
  { name: '--https, CSRF_TRUSTED_ORIGINS naming the http origin', settings: { ...HTTPS_READY, CSRF_TRUSTED_ORIGINS: ['http://127.0.0.1:8000'] }, args: ['--https'], expect: [['CSRF_TRUSTED_ORIGINS', 'warning']] },
  { name: 'CORS_ALLOW_ALL_ORIGINS without django-cors-headers', settings: { CORS_ALLOW_ALL_ORIGINS: true }, expect: [['CORS_ALLOW_ALL_ORIGINS', 'warning']] },
];

t.test('one setting at a time (RDP_DOCTOR_SETTINGS): found on its own line', async (t) => {
  for (const { name, settings, args = [], expect } of TUNABLE_CASES) {
    const { code, report } = await doctorJson(['--project', TUNABLE, ...args], { RDP_DOCTOR_SETTINGS: JSON.stringify(settings) });
    t.same(
      report.findings.map((finding) => [finding.setting, finding.severity]),
      expect,
      name,
    );
    t.equal(code, expect.some(([, severity]) => severity === 'error') ? 1 : 0, `${name}: exit status`);
    for (const finding of report.findings) {
      const line = lineOf(TUNABLE_SETTINGS, `${finding.setting} =`);
      t.match(finding, { file: TUNABLE_SETTINGS, line }, `${name}: ${finding.setting} at line ${line}`);
      if (finding.setting in settings) t.same(finding.value, settings[finding.setting], `${name}: ${finding.setting}'s value`);
      t.match(finding.fix, `in ${TUNABLE_SETTINGS}:${line}, `);
    }
  }
});

/** A project: the clean Django site beside a given rxconfig.py. */
function projectWith(t: Test, rxconfig: string): string {
  const clean = (path: string) => readFileSync(join(DOCTOR, 'clean', path), 'utf8');
  return t.testdir({
    'manage.py': clean('manage.py'),
    'rxconfig.py': readFileSync(join(DOCTOR, 'rxconfig', rxconfig), 'utf8'),
    '.web': {},
    clean_site: { '__init__.py': '', 'settings.py': clean('clean_site/settings.py'), 'urls.py': clean('clean_site/urls.py') },
  });
}

t.test('rxconfig variants through the command', async (t) => {
  const cases: Array<[string, string[], Array<[string, 'error' | 'warning', unknown, number | null]>]> = [
    ['api-url-elsewhere.py', [], [['api_url', 'error', 'http://localhost:8002', 5]]],
    ['api-url-public.py', [], []],
    ['cors-without-origin.py', [], [['cors_allowed_origins', 'error', ['http://localhost:3000', 'http://localhost:8000/'], 5]]],
    ['vite-hosts.py', [], []],
    ['vite-hosts.py', ['--public-url', 'http://corp.example.test:8000'], []],
    ['vite-hosts.py', ['--public-url', 'http://app.corp.example.test:8000'], []],
    ['vite-hosts.py', ['--public-url', 'http://app.example.test:8000'], [['vite_allowed_hosts', 'warning', ['.corp.example.test'], 5]]],
    ['not-literal.py', [], [['api_url', 'warning', null, 8]]],
  ];
  for (const [file, args, expect] of cases) {
    const dir = projectWith(t, file);
    const { report } = await doctorJson(['--project', dir, ...args], {}, dir);
    const rxFindings = report.findings.filter((finding) => finding.source === 'rxconfig');
    t.match(
      rxFindings.map((finding) => [finding.setting, finding.severity, finding.value, finding.line, finding.file]),
      expect.map((entry) => [...entry, 'rxconfig.py']),
      `${file} ${args.join(' ')}`,
    );
    t.equal(rxFindings.length, expect.length, `${file} ${args.join(' ')}: nothing else from rxconfig`);
  }
  const unreadable = projectWith(t, 'syntax-error.py');
  const { code, report } = await doctorJson(['--project', unreadable], {}, unreadable);
  t.equal(code, 0, 'an unreadable rxconfig.py skips its checks');
  t.match(report.rxconfig, { file: 'rxconfig.py', error: /^SyntaxError/ });
  const text = await doctor(['--project', unreadable], {}, unreadable);
  t.match(text.stdout, /Reflex {2}rxconfig\.py cannot be read \(SyntaxError: .*\): its checks are skipped/);
});

t.test("Reflex's .web/env.json: where the socket lands, at the EVENT line", async (t) => {
  const dir = projectWith(t, 'api-url-public.py');
  const env = { PING: 'http://localhost:8000/ping', EVENT: 'ws://localhost:8000/_event', UPLOAD: 'http://localhost:8000/_upload' };
  writeFileSync(join(dir, '.web', 'env.json'), JSON.stringify(env, null, 2));
  const plain = await doctorJson(['--project', dir], {}, dir);
  t.same(plain.report.findings.filter((finding) => finding.source === 'env.json'), [], 'on http the localhost URL is the proxy');
  const supervised = await doctorJson(['--project', dir, '--https'], {}, dir);
  const event = supervised.report.findings.find((finding) => finding.source === 'env.json');
  t.match(event, { setting: 'EVENT', severity: 'warning', value: env.EVENT, file: '.web/env.json', line: 3, why: /port 443/ }, 'the proxy starts Reflex: it writes env.json again');
  const external = await doctorJson(['--project', dir, '--https', '--reflex-backend-url', 'http://127.0.0.1:8002', '--reflex-frontend-url', 'http://127.0.0.1:3000'], {}, dir);
  t.match(external.report.findings.find((finding) => finding.source === 'env.json'), { severity: 'error', fix: 'restart `reflex run` with REFLEX_API_URL=https://127.0.0.1:8000 (and API_URL for Reflex ≤ 0.7): it is baked into .web/env.json:3 at start (the proxy sets it for the Reflex it starts)' }, 'a Reflex run by hand keeps it');
  t.equal(external.code, 1);
});

t.test('no project, or Django that cannot be imported: one line naming it', async (t) => {
  const empty = t.testdir({ 'rxconfig.py': 'import reflex as rx\n' });
  const none = await doctor(['--project', empty]);
  t.equal(none.code, 2);
  t.equal(none.stdout, '');
  t.match(none.stderr, `reflex-django-proxy: no manage.py in ${empty} or one level below; run doctor in your project or point --project at it [RDP_ERR_PROJECT]\n`);
  const unloadable = await doctor(['--project', join(DOCTOR, 'unloadable')]);
  t.equal(unloadable.code, 1);
  t.equal(unloadable.stderr.split('\n').length, 2, 'one line');
  t.match(unloadable.stderr, `the Django settings of ${join(DOCTOR, 'unloadable', 'manage.py')} cannot be loaded with ${join(VENV, 'bin', 'python')}: ModuleNotFoundError: No module named 'rdp_missing_dependency'`);
  t.match(unloadable.stderr, /\[RDP_ERR_DJANGO_SETTINGS\]\n$/);
  const port0 = await doctor(['--project', join(DOCTOR, 'clean'), '--port', '0']);
  t.equal(port0.code, 2);
  t.match(port0.stderr, /--public-url is needed with --port 0.*\[RDP_ERR_MISSING_OPTION\]/);
  const extra = await doctor(['somewhere']);
  t.equal(extra.code, 2);
  t.match(extra.stderr, /doctor takes no arguments, got "somewhere"; give the project with --project DIR/);
});

t.test('the installed CLI: exit status and the public URL from the environment', async (t) => {
  const env = { PATH: process.env.PATH, VIRTUAL_ENV: VENV };
  const broken = spawnSync(process.execPath, [CLI, 'doctor', '--project', join(DOCTOR, 'broken')], { encoding: 'utf8', env, cwd: repoRoot, timeout: 30_000 });
  t.equal(broken.status, 1, broken.stderr);
  t.match(broken.stdout, 'error    ALLOWED_HOSTS = [\'api.example.test\']');
  const clean = spawnSync(process.execPath, [CLI, 'doctor', '--project', join(DOCTOR, 'clean')], { encoding: 'utf8', env: { ...env, RDP_PUBLIC_URL: 'http://app.example.test:8000' }, cwd: repoRoot, timeout: 30_000 });
  t.equal(clean.status, 1, 'a named host needs ALLOWED_HOSTS and vite_allowed_hosts');
  t.match(clean.stdout, /error    ALLOWED_HOSTS = \[\][\s\S]*warning  vite_allowed_hosts = not set/);
});
