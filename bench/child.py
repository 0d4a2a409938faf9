"""``python -m bench.child module:function '{"param": ...}'``: run one measurement in a fresh interpreter and print
its result as one JSON line (the last line of stdout). Logs go to stderr."""

from __future__ import annotations

import importlib
import json
import logging
import sys


def main(argv: list[str]) -> int:
    target, raw = argv[1], argv[2] if len(argv) > 2 else "{}"
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    module_name, func_name = target.rsplit(":", 1)
    func = getattr(importlib.import_module(module_name), func_name)
    result = func(json.loads(raw))
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
