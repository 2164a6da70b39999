"""`manage.py audit ...`: the audit chains and the province's ledger of their seals.

    audit verify [--tenant <schema|code|uuid|public>] [--anchors FILE]
    audit anchors seal
    audit anchors export [--output FILE]

`verify` prints one line per schema (`ok <count>`, or a sentence per problem) and exits 1 when a
chain is broken, an entry was deleted or rewritten after it was sealed, or the ledger itself was
cut; `--anchors` also checks against a ledger exported earlier (kept outside the database).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from core.tenancy import public_schema_name, tenant_by_key
from oversight.anchors import Report, anchors_export, anchors_seal, ledger_verify, seals_from_export


class Command(BaseCommand):
    help = "Verify the audit chains (R11) against the province's ledger of seals; seal or export the ledger."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="report every broken, shortened or rewritten chain")
        verify.add_argument("--tenant", help="one tenant (schema, organisation code or UUID) or 'public'")
        verify.add_argument("--anchors", help="a ledger exported earlier, checked as well")
        anchors = sub.add_parser("anchors", help="the ledger of sealed chain heads")
        what = anchors.add_subparsers(dest="anchors_action", required=True)
        what.add_parser("seal", help="seal every chain head that moved (beat does it on a schedule)")
        export = what.add_parser("export", help="write the ledger as JSON (to keep outside the database)")
        export.add_argument("--output", help="a file; standard output if omitted")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options.get("tenant"), options.get("anchors"))
        elif options["anchors_action"] == "seal":
            self.stdout.write(f"{anchors_seal()} chain head(s) sealed")
        else:
            self._export(options.get("output"))

    def _verify(self, key: str | None, anchors_file: str | None) -> None:
        schemas: list[str] | None = None
        if key == public_schema_name():
            schemas = [public_schema_name()]
        elif key:
            tenant = tenant_by_key(key)
            if tenant is None:
                raise CommandError(f"No tenant matches {key!r}.")
            schemas = [str(tenant.schema_name)]
        kept = None
        if anchors_file:
            try:
                kept = seals_from_export(json.loads(Path(anchors_file).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:  # ExportError and JSONDecodeError are ValueErrors
                raise CommandError(f"Cannot read the exported ledger {anchors_file}: {exc}") from exc
        report = ledger_verify(schemas, kept=kept)
        self._print(report)
        if report.sentences:
            broken = len(report.problems) + (1 if report.ledger else 0)
            raise CommandError(f"{broken} audit chain(s) broken; first: {report.sentences[0]}")

    def _print(self, report: Report) -> None:
        for sentence in report.ledger:
            self.stdout.write(sentence)
        for schema in [*report.counts, *(s for s in report.problems if s not in report.counts)]:
            problems = report.problems.get(schema)
            if not problems:
                self.stdout.write(f"{schema}\tok {report.counts[schema]}")
            for sentence in problems or []:
                self.stdout.write(f"{schema}\t{sentence}")

    def _export(self, output: str | None) -> None:
        ledger = anchors_export()
        text = json.dumps(ledger, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        self.stdout.write(f"{len(ledger['anchors'])} seal(s) written to {output}")
