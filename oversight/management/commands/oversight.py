"""`manage.py oversight ...`: the usage rollup, its figures and the yearly ranking (R12).

    oversight rollup [--date D] [--since D] [--again]
    oversight figures --date D [--json]
    oversight ranking --year Y [--kind K] [--json]

`rollup` fills every tenant's figures up to D (default yesterday); a filled day is skipped, so it is
safe to run again, and a missed night is caught up. `--since` is where a figure never filled starts;
`--again` writes D again where it is filled. Bad input, or a tenant whose figures failed, exits 1
with a sentence.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Roll up the tenants' daily usage figures, print them, compute the yearly ranking."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rollup = sub.add_parser("rollup", help="fill every tenant's figures up to a day (default yesterday)")
        rollup.add_argument("--date", help="the last day to fill, YYYY-MM-DD")
        rollup.add_argument("--since", help="where a figure never filled starts, YYYY-MM-DD")
        rollup.add_argument("--again", action="store_true", help="write --date again even if it is filled")
        figures = sub.add_parser("figures", help="every tenant's figures of one day")
        figures.add_argument("--date", required=True, help="YYYY-MM-DD")
        figures.add_argument("--json", action="store_true", help="as JSON")
        ranking = sub.add_parser("ranking", help="the ranking of one year, per kind of tenant")
        ranking.add_argument("--year", required=True, type=int)
        ranking.add_argument("--kind", help="one kind of tenant (department, commune, school, other)")
        ranking.add_argument("--json", action="store_true", help="as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _rollup(self, options: dict[str, Any]) -> None:
        from oversight.rollup import rollup

        report = rollup(
            until=_day(options.get("date"), "--date"),
            since=_day(options.get("since"), "--since"),
            redo=bool(options.get("again")),
        )
        self.stdout.write(
            f"{report.tenants} tenant(s) up to {report.until.isoformat()}: "
            f"{report.days_written} tenant-day(s), {report.rows_written} figure(s) written"
        )
        for schema, error in report.failures.items():
            self.stderr.write(f"{schema}: {error}")
        if report.failures:
            failed = len(report.failures)
            raise CommandError(f"The figures of {failed} tenant(s) failed; the next run tries them again.")

    def _figures(self, options: dict[str, Any]) -> None:
        from oversight.rollup import figures_of_day

        day = _day(options["date"], "--date")
        assert day is not None  # noqa: S101  (required by the parser)
        figures = figures_of_day(day)
        if options.get("json"):
            self.stdout.write(json.dumps({"date": day.isoformat(), "tenants": figures}, indent=1))
            return
        for code, values in figures.items():
            self.stdout.write(code + "\t" + " ".join(f"{k}={v:g}" for k, v in values.items()))

    def _ranking(self, options: dict[str, Any]) -> None:
        from oversight.ranking import ranking_compute_all, ranking_lines

        tables = ranking_compute_all(year=int(options["year"]), kind=options.get("kind"))
        if options.get("json"):
            self.stdout.write(json.dumps([table.as_json() for table in tables], indent=1, ensure_ascii=False))
            return
        for line in ranking_lines(tables):
            self.stdout.write(line)
