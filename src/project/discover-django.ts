// Django prefix discovery (docs/routing.md §1, source 4): a one-shot run of the project's interpreter
// that sets Django up and prints, as JSON, the first path segment of every top-level URL pattern,
// the static and media prefixes, and the settings `doctor` reads.
import { RdpError } from '../errors.js';
import { findMarker, pythonFor } from './detect.js';
import { runPythonProbe } from './python-probe.js';
import { normalizePrefix } from '../router.js';

const PROBE_TIMEOUT_MS = 30_000;

// Kept in Python so Django itself resolves ROOT_URLCONF, include() and settings, as runserver would.
const PROBE = String.raw`
import json, os, re, sys
out = {"prefixes": [], "warnings": [], "settings": {}}
def add(prefix):
    if prefix not in out["prefixes"]:
        out["prefixes"].append(prefix)
def locate_settings(module, wanted):
    # For doctor: the line assigning each setting, in the settings module or a module it star-imports
    # (split settings), the last assignment winning as it does when Python runs the file.
    import ast, importlib.util
    found, seen = {}, set()
    def visit(name):
        spec = importlib.util.find_spec(name)
        path = spec.origin if spec is not None else None
        if not path or not path.endswith(".py") or path in seen:
            return None
        seen.add(path)
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        def block(nodes):
            for node in nodes:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
                    try:
                        visit(importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module)
                    except Exception:
                        pass
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
                for target in targets:
                    for leaf in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                        if isinstance(leaf, ast.Name) and leaf.id in wanted:
                            found[leaf.id] = {"file": path, "line": node.lineno}
                for field in ("body", "handlers", "orelse", "finalbody"):
                    block(getattr(node, field, None) or [])
        block(tree.body)
        return path
    return visit(module), found
try:
    sys.path.insert(0, os.getcwd())
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        with open("manage.py", encoding="utf-8") as handle:
            found = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]", handle.read())
        if found:
            os.environ["DJANGO_SETTINGS_MODULE"] = found.group(1)
    import django
    django.setup()
    from django.conf import settings
    from django.urls import URLResolver, get_resolver
    from urllib.parse import urlparse
    META = set(".^$*+?{}[]|()")
    def leading_literal(regex):
        text, i = regex[1:] if regex.startswith("^") else regex, 0
        literal = ""
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
                literal += text[i + 1]
                i += 2
                continue
            if char in META:
                return literal, text[i:]
            literal += char
            i += 1
        return literal, ""
    for pattern in get_resolver().url_patterns:
        kind = type(pattern.pattern).__name__
        is_include = isinstance(pattern, URLResolver)
        where = "%s(%r)" % ("include" if is_include else "path", str(pattern.pattern))
        if kind == "LocalePrefixPattern":
            out["warnings"].append("i18n_patterns() at the top of ROOT_URLCONF: its language prefixes cannot be discovered")
            continue
        if kind == "RoutePattern":
            route = str(pattern.pattern._route).lstrip("/")
            segment = route.split("/")[0]
            if segment == "":
                if is_include:
                    out["warnings"].append("%s has an empty route: the paths it includes cannot be discovered" % where)
                continue
            if "<" in segment:
                out["warnings"].append("%s starts with a converter: no fixed prefix" % where)
                continue
            add("/" + segment)
            continue
        literal, rest = leading_literal(pattern.pattern._regex)
        literal = literal.lstrip("/")
        if "/" in literal:
            segment = literal.split("/")[0]
        elif rest in ("", "$", r"\Z"):
            segment = literal
        else:
            segment = ""
        if segment == "":
            if is_include or literal != "":
                out["warnings"].append("%s has no fixed leading segment" % where)
            continue
        add("/" + segment)
    if "django.contrib.staticfiles" in settings.INSTALLED_APPS and settings.STATIC_URL:
        static = urlparse(str(settings.STATIC_URL))
        if not static.netloc and not str(settings.STATIC_URL).startswith("//"):
            add("/" + static.path.strip("/"))
    media = str(getattr(settings, "MEDIA_URL", "") or "")
    if settings.DEBUG and media and "//" not in media and media.strip("/"):
        add("/" + urlparse(media).path.strip("/"))
    names = [name for name in dir(settings) if name.isupper() and (name.startswith(("SESSION_COOKIE_", "CSRF_", "CORS_", "SECURE_")) or name in ("ALLOWED_HOSTS", "USE_X_FORWARDED_HOST", "DEBUG", "INSTALLED_APPS", "MIDDLEWARE", "STATIC_URL", "MEDIA_URL", "ROOT_URLCONF"))]
    out["settings"] = {name: getattr(settings, name) for name in names}
    out["settingsModule"] = os.environ.get("DJANGO_SETTINGS_MODULE")
    try:
        out["settingsFile"], out["settingLines"] = locate_settings(out["settingsModule"], set(names))
    except Exception:
        pass
except BaseException as error:
    import traceback
    out["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
print("\n" + json.dumps(out, default=str))
`;

export interface DjangoFacts {
  readonly prefixes: readonly string[];
  readonly warnings: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly settingsModule?: string;
  /** The settings module's file, and where each setting in `settings` is assigned (for doctor). */
  readonly settingsFile?: string;
  readonly settingLines?: Readonly<Record<string, { readonly file: string; readonly line: number }>>;
  /** The Python error when Django could not be set up; prefixes are then empty. */
  readonly error?: string;
}

export async function discoverDjango(python: string, djangoDir: string, env: Readonly<Record<string, string | undefined>>): Promise<DjangoFacts> {
  const probed = await runPythonProbe<DjangoFacts>(python, PROBE, [], { cwd: djangoDir, env, timeoutMs: PROBE_TIMEOUT_MS });
  if ('reason' in probed) return { prefixes: [], warnings: [], settings: {}, error: `${python} could not run the discovery probe: ${probed.reason}` };
  const parsed = probed.value;
  const prefixes = parsed.prefixes.map((prefix) => normalizePrefix(prefix)).filter((prefix) => prefix !== undefined);
  return { ...parsed, prefixes };
}

/** Discovery for config resolution: undefined when the folder holds no Django project. */
export async function discoverInProject(projectDir: string, env: Readonly<Record<string, string | undefined>>): Promise<DjangoFacts | undefined> {
  let djangoDir: string | undefined;
  try {
    djangoDir = findMarker(projectDir, 'manage.py');
  } catch (error) {
    if (error instanceof RdpError) return { prefixes: [], warnings: [], settings: {}, error: error.message };
    throw error;
  }
  return djangoDir === undefined ? undefined : discoverDjango(pythonFor([djangoDir, projectDir], env), djangoDir, env);
}
