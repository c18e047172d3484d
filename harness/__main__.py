"""``python -m harness``: see `harness.cli`."""

from harness.cli import entry

if __name__ == "__main__":
    entry()
