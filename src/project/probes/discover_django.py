"""Django prefix discovery (docs/routing.md §1, source "discovery"), run by src/project/discover-django.ts.

Run with the project's own interpreter, in the folder holding manage.py:

    python discover_django.py

Django itself resolves ROOT_URLCONF, include() and the settings, as runserver would. The answer is
one line of JSON, the last line printed: the first path segment of every top-level URL pattern, the
static and media prefixes, what could not be discovered, and the settings `doctor` reads with the
line assigning each. A project that cannot be set up is an "error" in the answer, never an exit code.
"""
import ast
import importlib.util
import json
import os
import re
import sys
import traceback
from urllib.parse import urlparse

REGEX_META = set(".^$*+?{}[]|()")
SETTING_PREFIXES = ("SESSION_COOKIE_", "CSRF_", "CORS_", "SECURE_")
SETTING_NAMES = ("ALLOWED_HOSTS", "USE_X_FORWARDED_HOST", "DEBUG", "INSTALLED_APPS", "MIDDLEWARE", "STATIC_URL", "MEDIA_URL", "ROOT_URLCONF")


def locate_settings(module, wanted):
    """The settings module's file, and the line assigning each wanted setting, in that module or a
    module it star-imports (split settings), the last assignment winning as it does when Python runs
    the file."""
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


def leading_literal(regex):
    """A re_path() pattern split into its literal start and the rest (from the first metacharacter)."""
    text, i = regex[1:] if regex.startswith("^") else regex, 0
    literal = ""
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
            literal += text[i + 1]
            i += 2
            continue
        if char in REGEX_META:
            return literal, text[i:]
        literal += char
        i += 1
    return literal, ""


def url_pattern_prefixes(patterns, add, warn):
    """The fixed first segment of each top-level pattern; what has none is warned about."""
    from django.urls import URLResolver

    for pattern in patterns:
        kind = type(pattern.pattern).__name__
        is_include = isinstance(pattern, URLResolver)
        where = "%s(%r)" % ("include" if is_include else "path", str(pattern.pattern))
        if kind == "LocalePrefixPattern":
            warn("i18n_patterns() at the top of ROOT_URLCONF: its language prefixes cannot be discovered")
            continue
        if kind == "RoutePattern":
            route = str(pattern.pattern._route).lstrip("/")
            segment = route.split("/")[0]
            if segment == "":
                if is_include:
                    warn("%s has an empty route: the paths it includes cannot be discovered" % where)
                continue
            if "<" in segment:
                warn("%s starts with a converter: no fixed prefix" % where)
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
                warn("%s has no fixed leading segment" % where)
            continue
        add("/" + segment)


def served_file_prefixes(settings, add):
    """STATIC_URL when staticfiles serves it, MEDIA_URL under DEBUG: both on this origin only."""
    if "django.contrib.staticfiles" in settings.INSTALLED_APPS and settings.STATIC_URL:
        static = urlparse(str(settings.STATIC_URL))
        if not static.netloc and not str(settings.STATIC_URL).startswith("//"):
            add("/" + static.path.strip("/"))
    media = str(getattr(settings, "MEDIA_URL", "") or "")
    if settings.DEBUG and media and "//" not in media and media.strip("/"):
        add("/" + urlparse(media).path.strip("/"))


def settings_module_from_manage_py():
    with open("manage.py", encoding="utf-8") as handle:
        found = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]", handle.read())
    return found.group(1) if found else None


def discover(out):
    # The project folder first on the path, where `python manage.py` puts it (not this script's folder).
    sys.path[0] = os.getcwd()
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        module = settings_module_from_manage_py()
        if module:
            os.environ["DJANGO_SETTINGS_MODULE"] = module
    import django

    django.setup()
    from django.conf import settings
    from django.urls import get_resolver

    def add(prefix):
        if prefix not in out["prefixes"]:
            out["prefixes"].append(prefix)

    url_pattern_prefixes(get_resolver().url_patterns, add, out["warnings"].append)
    served_file_prefixes(settings, add)
    names = [name for name in dir(settings) if name.isupper() and (name.startswith(SETTING_PREFIXES) or name in SETTING_NAMES)]
    out["settings"] = {name: getattr(settings, name) for name in names}
    out["settingsModule"] = os.environ.get("DJANGO_SETTINGS_MODULE")
    try:
        out["settingsFile"], out["settingLines"] = locate_settings(out["settingsModule"], set(names))
    except Exception:
        pass


def main():
    out = {"prefixes": [], "warnings": [], "settings": {}}
    try:
        discover(out)
    except BaseException as error:
        out["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
    print("\n" + json.dumps(out, default=str))


if __name__ == "__main__":
    main()
