"""The administrators' page of outbound calls, in a real browser."""

from __future__ import annotations

import pytest

from engine.jobs import queue
from engine.uow import run_in_transaction

pytestmark = pytest.mark.browser


def test_an_administrator_sees_the_outbound_calls_by_state(walk, live_server):  # noqa: ANN001
    govflow = live_server["app"].extensions["govflow"]

    def queued(session) -> None:  # noqa: ANN001
        payload = {"provider": "property", "field": "certificate_no", "purpose": "p/pull"}
        job = queue.enqueue(session, "shared_data.pull", {**payload, "key": "BJ-1"})
        job.attempts, job.last_error = 2, "the platform answered HTTP 503"

    run_in_transaction(govflow.db, queued)
    w = walk("admin")
    page = w.page
    w.login("admin")
    w.follow("[data-test=nav-jobs]")
    w.check("outbound-calls")
    table = page.inner_text("[data-test=jobs]")
    assert "shared_data.pull" in table and "HTTP 503" in table
    assert "BJ-1" not in page.inner_text("body")  # the lookup key is personal data
    w.follow("[data-test=jobs-failed]")
    assert "暂无调用" in page.inner_text("[data-test=jobs]")
    # Failure path: the page is the administrators' only.
    clerk = walk("clerk")
    clerk.login("clerk_tax")
    clerk.goto("/admin/jobs", "jobs-forbidden", status=403)
