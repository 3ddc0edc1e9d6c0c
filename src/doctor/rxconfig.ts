// rxconfig.py read statically with Python's own `ast`, through the project's interpreter: importing
// it would need Reflex installed, and would run the team's code. Only the keyword arguments of the
// `rx.Config(...)` / `Config(...)` call are read; literals are evaluated with ast.literal_eval,
// anything else is kept as its source text.
import { runPythonProbe } from '../project/python-probe.js';

const READ_TIMEOUT_MS = 15_000;

const READER = String.raw`
import ast, json, sys
path = sys.argv[1]
out = {"callLine": None, "keywords": {}, "notes": []}
def plain(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
def is_config(call):
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "Config") or (isinstance(func, ast.Attribute) and func.attr == "Config")
try:
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    tree = ast.parse(source, path)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and is_config(node)]
    # The one bound to "config" is what Reflex reads; otherwise the first in the file.
    bound = [node.value for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and is_config(node.value)
             and any(isinstance(target, ast.Name) and target.id == "config" for target in node.targets)]
    call = bound[0] if bound else min(calls, key=lambda node: (node.lineno, node.col_offset)) if calls else None
    if call is None:
        out["notes"].append("no rx.Config(...) call found")
    else:
        out["callLine"] = call.lineno
        for keyword in call.keywords:
            line = getattr(keyword, "lineno", keyword.value.lineno)
            if keyword.arg is None:
                out["notes"].append("**%s at line %d cannot be read statically" % (ast.get_source_segment(source, keyword.value), line))
                continue
            text = ast.get_source_segment(source, keyword.value)
            try:
                out["keywords"][keyword.arg] = {"literal": True, "value": plain(ast.literal_eval(keyword.value)), "source": text, "line": line}
            except Exception:
                out["keywords"][keyword.arg] = {"literal": False, "value": None, "source": text, "line": line}
except SyntaxError as error:
    out["error"] = "SyntaxError: %s (line %s)" % (error.msg, error.lineno)
except BaseException as error:
    out["error"] = "".join(__import__("traceback").format_exception_only(type(error), error)).strip()
print("\n" + json.dumps(out))
`;

export interface RxKeyword {
  /** True when ast.literal_eval could evaluate it; `value` is then its value as JSON. */
  readonly literal: boolean;
  readonly value: unknown;
  /** The expression as written. */
  readonly source: string;
  readonly line: number;
}

export interface RxConfigFacts {
  readonly file: string;
  /** Line of the Config(...) call; null when there is none. */
  readonly callLine: number | null;
  readonly keywords: Readonly<Record<string, RxKeyword>>;
  /** What could not be read (no call, `**kwargs`). */
  readonly notes: readonly string[];
  /** The file could not be parsed or read; nothing else is then known. */
  readonly error?: string;
}

export async function readRxconfig(python: string, file: string, env: Readonly<Record<string, string | undefined>>): Promise<RxConfigFacts> {
  const read = await runPythonProbe<Omit<RxConfigFacts, 'file'>>(python, READER, [file], { env, timeoutMs: READ_TIMEOUT_MS });
  if ('reason' in read) return { file, callLine: null, keywords: {}, notes: [], error: `${python} could not read it: ${read.reason}` };
  return { file, ...read.value };
}
