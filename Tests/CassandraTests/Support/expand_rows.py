#!/usr/bin/env python3
"""Expands the rows an expected.json describes into a JSON list of rows.

Fixtures give either `rows` or a `rows_generator` (loops plus Python-3 expressions over the
loop variables and `constants`); the Swift fixture tests call this to turn the latter into rows.
Prints {"rows": [...], "ordered": bool} or {"rows": null} when no rows are known.
"""
import itertools
import json
import sys


def expand(expected):
    if expected.get("rows") is not None:
        return {"rows": expected["rows"], "ordered": True}
    gen = expected.get("rows_generator")
    if not gen:
        return {"rows": None}
    constants = dict(expected.get("constants", {}))
    loops = []
    for loop in gen["loops"]:
        if "values" in loop:
            loops.append((loop["var"], list(loop["values"])))
        else:
            loops.append((loop["var"], list(range(*loop["range"]))))
    rows = []
    for combo in itertools.product(*[values for _, values in loops]):
        env = dict(constants)
        env.update({name: value for (name, _), value in zip(loops, combo)})
        rows.append([eval(expr, {"__builtins__": {"str": str, "int": int, "len": len}}, env) for expr in gen["row"]])
    return {"rows": rows, "ordered": gen.get("order", "") == "on-disk"}


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps(expand(json.load(f))))
