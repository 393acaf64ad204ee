"""The coverage gate scripts/test applies after the suite (branch coverage is measured).

Fails (exit 1) when the overall line coverage of ``chatwarden`` is below ``MIN_LINES`` or when a
package in ``PACKAGES`` is below its floor of lines or branches covered. The goal for all three
is 100 % of both; a floor below 100 is a ratchet (today's figure): raise it as tests are added,
never lower it. Reads the coverage data file pytest-cov wrote (``.coverage``; ``COVERAGE_FILE``
overrides). Usage: ``python scripts/covgate.py [data file]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass

from coverage import Coverage

#: Overall line coverage may not drop below this (94.8 % on 2026-12-06, before the gate).
MIN_LINES = 94.8
#: Package -> (lines %, branches %) it may not drop below; (100, 100) is every line and both
#: ways of every branch. The files of a package below 100 are listed with what they miss.
#: detect and pipeline: 100 % of lines and branches since 2026-12-07, measured with their own
#: tests alone (pytest tests/detect tests/pipeline --cov-branch): detect 1716 statements and
#: 530 branches, pipeline 1652 and 576, none missed. Overall on 2026-12-07 00:34 (full
#: suite, before): lines 95.16 %, branches 88.65 %.
PACKAGES: dict[str, tuple[float, float]] = {
    "chatwarden/analytics/": (100.0, 100.0),
    "chatwarden/detect/": (100.0, 100.0),
    "chatwarden/pipeline/": (100.0, 100.0),
}


@dataclass
class Tally:
    statements: int = 0
    missing_lines: int = 0
    branches: int = 0
    missing_branches: int = 0

    def line_pct(self) -> float:
        return 100.0 * (self.statements - self.missing_lines) / max(self.statements, 1)

    def branch_pct(self) -> float:
        return 100.0 * (self.branches - self.missing_branches) / max(self.branches, 1)


def main(argv: list[str]) -> int:
    data_file = argv[1] if len(argv) > 1 else os.environ.get("COVERAGE_FILE", ".coverage")
    cov = Coverage(data_file=data_file)
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:  # the JSON report: coverage's public numbers
        cov.json_report(outfile=os.path.join(tmp, "coverage.json"), include=["chatwarden/*"])
        with open(os.path.join(tmp, "coverage.json"), encoding="utf-8") as f:
            files = json.load(f)["files"]
    total = Tally()
    full = {prefix: Tally() for prefix in PACKAGES}
    gaps: list[str] = []
    for rel, data in sorted(files.items()):
        nums = data["summary"]
        tallies = [total] + [t for prefix, t in full.items() if rel.startswith(prefix)]
        for tally in tallies:
            tally.statements += nums["num_statements"]
            tally.missing_lines += nums["missing_lines"]
            tally.branches += nums["num_branches"]
            tally.missing_branches += nums["missing_branches"]
        if len(tallies) > 1 and (nums["missing_lines"] or nums["missing_branches"]):
            arcs = [f"{a}->{b}" for a, b in data["missing_branches"]]
            gaps.append(f"  {rel}: lines {data['missing_lines'] or '-'}; branches {arcs or '-'}")
    ok = True
    print(
        f"coverage: lines {total.line_pct():.2f} % (gate {MIN_LINES} %), "
        f"branches {total.branch_pct():.2f} %"
    )
    if round(total.line_pct(), 2) < MIN_LINES:
        ok = False
        print(f"FAIL: overall line coverage {total.line_pct():.2f} % is below {MIN_LINES} %")
    for prefix, tally in full.items():
        lines, branches = round(tally.line_pct(), 2), round(tally.branch_pct(), 2)
        min_lines, min_branches = PACKAGES[prefix]
        print(
            f"  {prefix}: lines {lines:.2f} % (gate {min_lines} %), "
            f"branches {branches:.2f} % (gate {min_branches} %)"
        )
        if lines < min_lines or branches < min_branches:
            ok = False
            print(f"FAIL: {prefix} is below its gate")
    if gaps:
        print("not yet covered in the gated packages (the goal is 100 %):")
        print("\n".join(gaps))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
