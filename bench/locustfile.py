"""The people of bench/load.py, for locust: clerks registering and searching, heads directing,
officials reporting. Run by bench/load.py (which makes the tenants and their tokens); not alone.

Each user is one person of one tenant (picked in turn from the file named by LOAD_PEOPLE), talks
to that tenant's workspace host with a personal API token, and stops after LOAD_MAX_TASKS tasks."""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from locust.exception import StopUser

PEOPLE: dict[str, list[dict[str, str]]] = json.loads(
    Path(os.environ["LOAD_PEOPLE"]).read_text(encoding="utf-8")
)
MAX_TASKS = int(os.environ.get("LOAD_MAX_TASKS", "1000"))
SEARCHES = ["dau tu cong", "chuyen doi so", "ke hoach", "bao cao", "ngan sach"]
SUMMARIES = [
    "Về việc triển khai kế hoạch đầu tư công trung hạn",
    "V/v báo cáo tình hình giải ngân vốn đầu tư công",
    "V/v đôn đốc thực hiện chuyển đổi số và Đề án 06",
    "Về việc phê duyệt dự toán ngân sách nhà nước",
]
_turns = {role: itertools.count() for role in PEOPLE}


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        people = PEOPLE[self.role]
        self.me = people[next(_turns[self.role]) % len(people)]
        self.client.headers.update({"Host": self.me["host"], "Authorization": f"Bearer {self.me['token']}"})
        self.done = 0

    def _count(self) -> None:
        self.done += 1
        if self.done >= MAX_TASKS:
            raise StopUser

    def _json(self, method: str, path: str, name: str, body: Any = None, expect: int = 200) -> Any:
        with self.client.request(method, path, json=body, name=name, catch_response=True) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()


class Clerk(Person):
    role = "clerk"
    weight = 4

    @task(3)
    def register(self) -> None:
        self._count()
        number = random.randint(1, 9999)
        self._json(
            "POST",
            "/api/v1/documents/incoming/",
            "POST register incoming",
            {
                "issuer_name": "Sở Tài chính",
                "issuer_code": "000.00.05.H21",
                "document_type": "CV",
                "summary": random.choice(SUMMARIES),
                "number": str(number),
                "notation": "STC-VP",
            },
            expect=201,
        )

    @task(4)
    def search(self) -> None:
        self._count()
        self._json("GET", f"/api/v1/documents/?q={random.choice(SEARCHES)}&limit=50", "GET search")

    @task(3)
    def inbox(self) -> None:
        self._count()
        self._json("GET", "/api/v1/documents/?limit=50", "GET inbox")


class Head(Person):
    role = "head"
    weight = 1

    @task
    def direct(self) -> None:
        self._count()
        waiting = self._json("GET", "/api/v1/documents/?status=registered&limit=20", "GET registered")
        if not waiting or not waiting["results"]:
            return
        document = random.choice(waiting["results"])
        deadline = (date.today() + timedelta(days=random.randint(1, 20))).isoformat()  # noqa: DTZ011
        official = self.me["official"]
        self._json(
            "POST",
            f"/api/v1/documents/{document['uuid']}/direct/",
            "POST direct",
            {
                "note": "Giao xử lý",
                "assignments": [{"role": "lead", "assignee": official, "deadline": deadline}],
            },
        )


class Official(Person):
    role = "official"
    weight = 3

    @task(2)
    def open_tasks(self) -> None:
        self._count()
        self._json("GET", "/api/v1/tasks/?limit=50", "GET my tasks")

    @task(1)
    def report(self) -> None:
        self._count()
        mine = self._json("GET", "/api/v1/tasks/?limit=20", "GET my tasks")
        if not mine or not mine["results"]:
            return
        chosen = random.choice(mine["results"])
        self._json(
            "POST", f"/api/v1/tasks/{chosen['uuid']}/report/", "POST report", {"report": "Đang xử lý."}
        )

    @task(1)
    def done_tasks(self) -> None:
        self._count()
        self._json("GET", "/api/v1/tasks/?done=1&limit=50", "GET my tasks done=1")
