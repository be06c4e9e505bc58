"""Spreadsheet import (issue #6), measured, not asserted:

    HOCBA_HOME=/tmp/hocba-bench .venv/bin/python -m bench.spreadsheet_import [--students N]

Builds a school of N students (default 1,000; grades 1–5, 25 per class) with the roster import,
writes its evaluation workbook (every level, score where tested, comment; one sheet per subject
plus qualities/competences ≈ 90 cells per student), then times in the configured database:
hocba's import (python-calamine read → normalise → validate against the database → bulk write
in one transaction), the re-import of the same file (nothing written), and a raw
``executemany`` of the same rows into the same tables. The school is removed at the end.
"""

from __future__ import annotations

import argparse

from hocba.cli.django import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    args = parser.parse_args()
    setup_django()
    from hocba.bench.imports import run

    figures = run(args.students)
    for line in figures.lines():
        print(line)


if __name__ == "__main__":
    main()
