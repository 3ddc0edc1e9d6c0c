"""rxconfig.py read statically with Python's own `ast`, run by src/doctor/rxconfig.ts:

    python read_rxconfig.py PATH/TO/rxconfig.py

Importing the file would need Reflex installed, and would run the team's code. Only the keyword
arguments of the `rx.Config(...)` / `Config(...)` call are read; literals are evaluated with
ast.literal_eval, anything else is kept as its source text. The answer is one line of JSON, the last
line printed; a file that cannot be read is an "error" in the answer, never an exit code.
"""
import ast
import json
import sys
import traceback


def plain(value):
    """A literal as JSON can hold it: tuples and sets become lists, anything else its repr."""
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


def config_call(tree):
    """The call bound to `config` is what Reflex reads; otherwise the first in the file."""
    bound = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and is_config(node.value)
        and any(isinstance(target, ast.Name) and target.id == "config" for target in node.targets)
    ]
    if bound:
        return bound[0]
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and is_config(node)]
    return min(calls, key=lambda node: (node.lineno, node.col_offset)) if calls else None


def read(path, out):
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    call = config_call(ast.parse(source, path))
    if call is None:
        out["notes"].append("no rx.Config(...) call found")
        return
    out["callLine"] = call.lineno
    for keyword in call.keywords:
        line = getattr(keyword, "lineno", keyword.value.lineno)
        text = ast.get_source_segment(source, keyword.value)
        if keyword.arg is None:
            out["notes"].append("**%s at line %d cannot be read statically" % (text, line))
            continue
        try:
            out["keywords"][keyword.arg] = {"literal": True, "value": plain(ast.literal_eval(keyword.value)), "source": text, "line": line}
        except Exception:
            out["keywords"][keyword.arg] = {"literal": False, "value": None, "source": text, "line": line}


def main():
    out = {"callLine": None, "keywords": {}, "notes": []}
    try:
        read(sys.argv[1], out)
    except SyntaxError as error:
        out["error"] = "SyntaxError: %s (line %s)" % (error.msg, error.lineno)
    except BaseException as error:
        out["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
    print("\n" + json.dumps(out))


if __name__ == "__main__":
    main()
