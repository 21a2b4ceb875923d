"""How commands print: JSON for machines, aligned tables for people."""

import json
import sys
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def console() -> Console:
    # Wide enough for Chinese event texts when output goes to a file or a pipe.
    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def print_table(columns: Sequence[str], rows: Iterable[Sequence], title: str | None = None) -> None:
    table = Table(*columns, title=title, show_lines=False)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console().print(table)
