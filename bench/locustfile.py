"""The people of bench/load.py, for locust: clerks registering, searching and accepting what the
hub brought, heads directing, officials reporting, senders issuing documents to other agencies.
Run by bench/load.py (which makes the tenants, their tokens and the PDF); not alone.

Each user is one person of one tenant (picked in turn from the file named by LOAD_PEOPLE), talks
to that tenant's workspace host with a personal API token, and stops after LOAD_MAX_TASKS tasks.
A sender is an agency's outgoing path played by one user with its three people's tokens: the
official drafts and attaches the PDF, the head approves and signs, the clerk issues to one to
three other agencies of the run (the hub workers started by bench/load.py carry it)."""

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

_RUN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PEOPLE"]).read_text(encoding="utf-8"))
PEOPLE: dict[str, list[dict[str, Any]]] = _RUN["people"]
AGENCIES: list[dict[str, str]] = _RUN["agencies"]  # org_code, org_name
PDF = Path(_RUN["pdf"]).read_bytes()
MAX_TASKS = int(os.environ.get("LOAD_MAX_TASKS", "1000"))
SEARCHES = ["dau tu cong", "chuyen doi so", "ke hoach", "bao cao", "ngan sach"]
SUMMARIES = [
    "Về việc triển khai kế hoạch đầu tư công trung hạn",
    "V/v báo cáo tình hình giải ngân vốn đầu tư công",
    "V/v đôn đốc thực hiện chuyển đổi số và Đề án 06",
    "Về việc phê duyệt dự toán ngân sách nhà nước",
]
_turns = {role: itertools.count() for role in PEOPLE}
# One locust process: numbers unique across its clerks, above the template's (1..4000), so no
# registration is refused as a possible duplicate of another (same issuer, number and notation).
_numbers = itertools.count(10_001)


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

    def _json(
        self,
        method: str,
        path: str,
        name: str,
        body: Any = None,
        expect: int = 200,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        token: str = "",
    ) -> Any:
        """The response's JSON, or None with a failure recorded; `token`: as another of the
        agency's people than this user's own."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        with self.client.request(
            method, path, json=body, files=files, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code != expect:
                # Status 0: no response at all (the connection failed); say why.
                response.failure(f"{response.status_code}: {response.text[:200] or response.error!r}")
                return None
            return response.json()

    def _one_of(self, path: str, name: str) -> Any:
        """One of the rows a list shows, at random; None when it shows none."""
        listed = self._json("GET", path, name)
        return random.choice(listed["results"]) if listed and listed["results"] else None


class Clerk(Person):
    role = "clerk"
    weight = 4

    @task(3)
    def register(self) -> None:
        self._count()
        number = next(_numbers)
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

    @task(2)
    def arrivals(self) -> None:
        """What the hub brought: accept one (an incoming document with its number; 03 goes back)."""
        self._count()
        item = self._one_of("/api/v1/hub/inbox/?state=arrived&limit=20", "GET hub inbox")
        if item is None:
            return
        self._json("POST", f"/api/v1/hub/inbox/{item['uuid']}/accept/", "POST accept arrival")


class Head(Person):
    role = "head"
    weight = 1

    @task
    def direct(self) -> None:
        self._count()
        document = self._one_of("/api/v1/documents/?status=registered&limit=20", "GET registered")
        if document is None:
            return
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
        chosen = self._one_of("/api/v1/tasks/?limit=20", "GET my tasks")
        if chosen is None:
            return
        self._json(
            "POST", f"/api/v1/tasks/{chosen['uuid']}/report/", "POST report", {"report": "Đang xử lý."}
        )

    @task(1)
    def done_tasks(self) -> None:
        self._count()
        self._json("GET", "/api/v1/tasks/?done=1&limit=50", "GET my tasks done=1")


class Sender(Person):
    role = "sender"
    weight = 1

    @task
    def send(self) -> None:
        self._count()
        draft = self._json(
            "POST",
            "/api/v1/documents/outgoing/",
            "POST draft outgoing",
            {
                "document_type": "CV",
                "summary": random.choice(SUMMARIES),
                "signer_name": "Nguyễn Văn Giám",
                "drafting_unit": "VP",
            },
            expect=201,
            token=self.me["tokens"]["official"],
        )
        if not draft:
            return
        path = f"/api/v1/documents/{draft['uuid']}"
        attached = self._json(
            "POST",
            f"{path}/attachments/",
            "POST attach PDF",
            expect=201,
            files={"file": ("cong-van.pdf", PDF, "application/pdf")},
            token=self.me["tokens"]["official"],
        )
        if not attached:
            return
        for step in ("approve", "sign"):
            if not self._json("POST", f"{path}/{step}/", f"POST {step}", token=self.me["tokens"]["head"]):
                return
        others = [agency for agency in AGENCIES if agency["org_code"] != self.me["org_code"]]
        recipients = random.sample(others, k=min(len(others), random.randint(1, 3)))
        self._json(
            "POST",
            f"{path}/issue/",
            "POST issue outgoing",
            {"recipients": recipients},
            token=self.me["tokens"]["clerk"],
        )
