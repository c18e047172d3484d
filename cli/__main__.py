"""``python -m cli``: the same command line as ``python -m harness``."""

from cli import entry

if __name__ == "__main__":
    entry()
