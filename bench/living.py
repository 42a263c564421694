"""7. Flat cost in loops: one step of a case whose rework loop (审查 → 补正 → 审查 …) has
gone round 1,000 times versus 10 times, and its stored workflow at both.
8. Retention: bytes per closed case in the database before and after its serialized
workflow is dropped (``govflow retention run``)."""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from .common import Verdict, say, scale, seeded_app

SAMPLES = 15

#: A review that sends the case back for rework until it is approved (a BPMN loop, not a
#: return: every round adds steps to the workflow's history).
LOOP_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_bench_loop" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench_rework_loop" name="rework loop (bench)" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="review" camunda:candidateGroups="registry"
        camunda:formKey="property_transfer/registry_review">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_again</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="decide"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_again</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:sequenceFlow id="f_again" sourceRef="decide" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${!approved}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="decide" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${approved}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


class _Loop:
    """The deployed loop and the people who run it, in one seeded app."""

    def __init__(self, app) -> None:  # noqa: ANN001
        from engine.definitions.deploy import DeployRequest, Upload
        from engine.principal import Principal
        from engine.services import definitions
        from engine.services.auth import get_user, principal_of

        self.govflow = app.extensions["govflow"]
        designer = Principal("bench", ("designer",), display_name="bench")
        definitions.deploy(
            self.govflow, designer, DeployRequest(Upload("loop.bpmn", LOOP_BPMN), [], [])
        )
        self.applicant = principal_of(get_user(self.govflow, "zhangsan"))
        self.reviewer = principal_of(get_user(self.govflow, "clerk_registry"))

    def start(self) -> int:
        from engine.services import cases

        return cases.start_case(self.govflow, self.applicant, "bench_rework_loop", None, {})

    def step(self, case_id: int, approved: bool = False) -> float:
        """One review of the case (timed): back for rework, or approved."""
        from engine.services import tasks

        rows, _ = tasks.list_tasks(self.govflow, self.reviewer, status="ready", per_page=100)
        review = next(r.id for r in rows if r.case_id == case_id)
        started = time.perf_counter()
        tasks.complete(
            self.govflow, self.reviewer, review, {"approved": approved, "opinion": "请补正"}
        )
        return time.perf_counter() - started

    def state_bytes(self, case_id: int) -> int:
        from engine.models import Case
        from engine.uow import read_only

        with read_only(self.govflow.db) as session:
            return len(session.get(Case, case_id).workflow_state)


def run_loop() -> Verdict:
    """Two cases of one app, one taken 10 rounds and one 1,000; then their steps are timed
    alternately, so both see the same machine (a shared VM's speed drifts)."""
    few, many = 10, scale(1000, 200)
    with seeded_app() as app:
        loop = _Loop(app)
        short, long = loop.start(), loop.start()
        for _ in range(few):
            loop.step(short)
        for _ in range(many):
            loop.step(long)
        few_samples, many_samples = [], []
        for _ in range(SAMPLES):
            few_samples.append(loop.step(short))
            many_samples.append(loop.step(long))
        few_bytes, many_bytes = loop.state_bytes(short), loop.state_bytes(long)
    few_ms, many_ms = statistics.median(few_samples), statistics.median(many_samples)
    ratio = many_ms / few_ms
    say(
        f"   step after {few} rounds: {few_ms * 1000:.1f} ms, state {few_bytes:,} bytes; "
        f"after {many} rounds: {many_ms * 1000:.1f} ms, state {many_bytes:,} bytes"
    )
    return Verdict(
        7,
        f"rework-loop step after {many} vs {few} rounds (state {many_bytes:,} vs "
        f"{few_bytes:,} bytes)",
        f"{ratio:.2f}x",
        "<= 1.3x",
        ratio <= 1.3,
    )


def _database_bytes(app) -> int:  # noqa: ANN001
    """The SQLite file's size once compacted (VACUUM, outside any transaction)."""
    import sqlite3

    from sqlalchemy.engine import make_url

    path = make_url(app.extensions["govflow"].db.url).database
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the vacuumed pages are in the WAL
    finally:
        connection.close()
    return os.path.getsize(path)


def run_retention() -> Verdict:
    """Closed cases (each ten rounds of rework, then approved): the database's growth per
    case, before and after retention drops their workflows."""
    from engine import clock
    from engine.services import retention

    count = scale(100, 20)
    with seeded_app() as app:
        loop = _Loop(app)
        empty = _database_bytes(app)
        for _ in range(count):
            case_id = loop.start()
            for _ in range(10):
                loop.step(case_id)
            loop.step(case_id, approved=True)
        before = (_database_bytes(app) - empty) / count
        report = retention.run(loop.govflow, now=clock.now() + timedelta(days=3650))
        after = (_database_bytes(app) - empty) / count
    say(
        f"   {count} closed cases: {before:,.0f} bytes each before retention, {after:,.0f} "
        f"after ({report.bytes_dropped / max(report.cases, 1):,.0f} bytes of workflow each)"
    )
    return Verdict(
        8,
        "bytes per closed case before / after retention",
        f"{before:,.0f} / {after:,.0f}",
        "after < before",
        report.cases == count and after < before,
    )
