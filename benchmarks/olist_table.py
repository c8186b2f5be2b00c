"""Write the Olist funnel as a labelled table for `leadroute train` (docs/SCORING_MODEL.md).

One row per marketing-qualified lead, in first-contact order: `mql_id, first_contact_date,
landing_page_id, origin` and `won` (yes when the lead is among the closed deals). Closed-deal
columns (segment, revenue, reps) exist only for won leads and would leak the label: none is kept.

Usage: .venv/bin/python benchmarks/olist_table.py OUT.csv [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

FUNNEL = "olist-marketing-funnel"
LEADS = "olist_marketing_qualified_leads_dataset.csv"
DEALS = "olist_closed_deals_dataset.csv"
COLUMNS = ("mql_id", "first_contact_date", "landing_page_id", "origin")


def labelled_rows(data: Path) -> list[dict[str, str]]:
    """The leads with `won` = yes/no, sorted by first contact (then id, for a stable order)."""
    with (data / FUNNEL / DEALS).open(encoding="utf-8", newline="") as handle:
        won = {row["mql_id"] for row in csv.DictReader(handle)}
    with (data / FUNNEL / LEADS).open(encoding="utf-8", newline="") as handle:
        leads = [{name: row[name] for name in COLUMNS} for row in csv.DictReader(handle)]
    rows = [{**lead, "won": "yes" if lead["mql_id"] in won else "no"} for lead in leads]
    return sorted(rows, key=lambda row: (row["first_contact_date"], row["mql_id"]))


def write_table(data: Path, out: Path) -> int:
    """Write the labelled table to `out`; the number of rows written."""
    rows = labelled_rows(data)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*COLUMNS, "won"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    count = write_table(args.data, args.out)
    print(f"wrote {count} leads to {args.out}")


if __name__ == "__main__":
    main()
