"""Memory of refusing hostile network2 files, against parsing their JSON.

``load_network2`` reads a file as untrusted input: it must refuse a hostile
file in memory proportional to the file, within twice what ``json.load``
alone takes on the same file (issue 19). For each hostile shape this script
writes a file of ``--mb`` megabytes and measures, each in a fresh process:

- ``json.load`` of the file: the peak resident memory above the process's
  start (``ru_maxrss``) and the peak of Python's traced allocations
  (``tracemalloc``, which numpy's arrays report to);
- ``load_network2`` of the same file, the same two figures;

and prints the ratios loader / parse, with the error message's length. The
shapes: millions of empty lists as weights (the campaign's 20 MB file took
2.1 GB and 12.6 s before the fix), a sizes list of millions of entries, a
flat list of numbers where matrices belong, a full matrix whose last entry is
a string, a matrix of the right shape with ``NaN`` at the end, and deeply
nested lists.

Run: ``python benchmarks/hostile_network2.py`` (200 MB files, a few
minutes) or ``--quick`` (2 MB, what CI runs).
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

# the hostile files and the measuring child are the tests' (tests/test_hostile.py)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _hostile_files import hostile_texts, measure  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=200.0, help="file size (MB)")
    parser.add_argument("--quick", action="store_true", help="2 MB files (CI)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    size = int((2.0 if args.quick else args.mb) * 1e6)
    rows = []
    print(f"hostile network2 files of about {size / 1e6:.0f} MB; each figure is the")
    print("peak above a fresh process's start (RSS) and of traced allocations")
    print()
    header = (
        f"{'file':30s} {'MB':>6s} {'parse RSS':>10s} {'load RSS':>9s} {'ratio':>6s} "
        f"{'parse trc':>10s} {'load trc':>9s} {'ratio':>6s} {'load s':>7s} "
        f"{'error':>12s} {'chars':>6s}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as folder:
        for name, text in hostile_texts(size):
            path = os.path.join(folder, "hostile.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            mb = os.path.getsize(path) / 1e6
            del text
            parse = measure("parse", path)
            load = measure("load", path)
            row = {
                "file": name,
                "mb": mb,
                "parse": parse,
                "load": load,
                "rss_ratio": load["rss"] / max(parse["rss"], 1),
                "traced_ratio": load["traced"] / max(parse["traced"], 1),
            }
            rows.append(row)
            print(
                f"{name:30s} {mb:6.0f} {parse['rss'] / 1e6:10.0f} "
                f"{load['rss'] / 1e6:9.0f} {row['rss_ratio']:6.2f} "
                f"{parse['traced'] / 1e6:10.0f} {load['traced'] / 1e6:9.0f} "
                f"{row['traced_ratio']:6.2f} {load['seconds']:7.2f} "
                f"{str(load['error']):>12s} {str(load['length']):>6s}",
                flush=True,
            )
            os.remove(path)
            assert load["error"] == "ValueError", (name, load["message"])
    worst = max(max(r["rss_ratio"], r["traced_ratio"]) for r in rows)
    longest = max(r["load"]["length"] for r in rows)
    print()
    print(
        f"worst ratio load / parse: {worst:.2f} (bound 2.00); longest message: "
        f"{longest} characters (bound 1000)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
