"""How a staff import scales: reading, previewing and confirming N rows, against creating
accounts one by one in the same run.

    python bench/accounts_import.py [--rows 500 2000] [--one-by-one 20]

Per size, prints seconds per row for: reading the XLSX (`importing.read_staff_file`), the
preview (`import_preview`: units, e-mails and rule R8 names across the batch) and the
confirmation (`import_confirm`: one transaction, bulk insert, one audit entry each),
and the ratio of each to the baseline: `user_create` one account at a time (Argon2
hash, audit entry, its own transaction), measured on --one-by-one people in the same run.
Flat seconds per row across sizes means the import stays linear. Imported accounts get no
password (the officer hands each person a one-time one later), so most of the baseline's cost,
the Argon2 hash, is not in the import's figures. A measurement to read, never
a pass/fail timing. Runs in a throwaway database and a private Redis, dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.provisioning import run_in_throwaway_database  # noqa: E402  (importable via the path above)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Hoàng", "Tiến", "Tấn", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hương",
    "Khánh",
    "Lan",
    "Minh",
    "Nam",
    "Thuý",
    "Yến",
]
UNITS = ["Văn phòng", "Phòng Tổng hợp", "Phòng Kế hoạch - Tài chính", "Thanh tra"]


def staff_xlsx(rows: int, seed: int) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Họ và tên", "Năm sinh", "Đơn vị", "Chức vụ", "Thư điện tử"])
    for i in range(rows):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        sheet.append(
            [name, rng.randint(1965, 2000), rng.choice(UNITS), "Chuyên viên", f"cb{seed}-{i}@gialai.gov.vn"]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(sizes: list[int], one_by_one: int, server: str) -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from accounts import importing
    from accounts.models import User
    from accounts.services.imports import import_confirm, import_preview
    from accounts.services.units import unit_create
    from accounts.services.users import AccountData, user_create
    from core.audit import Actor
    from core.tenancy import in_schema
    from tenants import provisioning

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database    {connection.settings_dict['NAME']} on {server}, PostgreSQL {version}")
    actor = Actor(label="bench")

    provisioning.schema_create_migrated("bench_baseline")
    with in_schema("bench_baseline"):
        seconds = []
        for i in range(one_by_one):
            started = time.perf_counter()
            user_create(actor=actor, data=AccountData(full_name=f"Nguyễn Văn Thử {GIVEN[i % len(GIVEN)]}"))
            seconds.append(time.perf_counter() - started)
    baseline = statistics.median(seconds)
    print(f"baseline    user_create one by one: {baseline:.4f} s per account (median of {one_by_one})\n")
    print(f"{'rows':>6}  {'step':<8} {'s/row':>8} {'total s':>8} {'vs one by one':>14}")

    for size in sizes:
        schema = f"bench_import_{size}"
        provisioning.schema_create_migrated(schema)
        content = staff_xlsx(size, seed=size)
        with in_schema(schema):
            for unit in UNITS:
                unit_create(actor=actor, name=unit, kind="division")
            started = time.perf_counter()
            rows = importing.read_staff_file("staff.xlsx", content)
            read_s = time.perf_counter() - started
            started = time.perf_counter()
            batch = import_preview(actor=actor, filename="staff.xlsx", content=content)
            preview_s = time.perf_counter() - started
            started = time.perf_counter()
            batch = import_confirm(actor=actor, batch=batch)
            confirm_s = time.perf_counter() - started
            created = User.objects.count()
        if len(rows) != size or created != batch.created_count or created != size:
            raise SystemExit(f"expected {size} accounts, read {len(rows)} rows and created {created}")
        for step, total in (("read", read_s), ("preview", preview_s), ("confirm", confirm_s)):
            per_row = total / size
            print(f"{size:>6}  {step:<8} {per_row:>8.5f} {total:>8.3f} {per_row / baseline:>14.3f}")
    print("\n(preview includes reading; ratios below 1 mean faster per account than one by one)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, nargs="+", default=[500, 2000], metavar="N")
    parser.add_argument("--one-by-one", type=int, default=20, metavar="N")
    args = parser.parse_args(argv)
    if min(args.rows) < 1 or args.one_by_one < 1:
        parser.error("sizes must be at least 1")

    run_in_throwaway_database(lambda server: run(args.rows, args.one_by_one, server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
