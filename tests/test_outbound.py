"""Notifications reach the applicant by e-mail and SMS: delivered by jobs outside any case
transaction, to a real SMTP server (aiosmtpd) and an HTTP gateway on loopback; retried
through outages, given up visibly, never lost, never doubled (issue 16 item 5)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from engine import clock
from engine.config import Settings
from engine.deadlines.models import Notification
from engine.errors import Conflict
from engine.jobs.models import PENDING, Job
from engine.notices import inbox
from engine.notices.deliveries import Delivery
from engine.outbound.mail import SmtpChannel
from engine.outbound.sms import SmsGateway
from engine.principal import SYSTEM
from engine.runtime.executor import execute
from engine.services import jobs
from engine.uow import read_only, transaction
from tests.outbound_support import Gateway, Mailbox, free_port
from tests.support import Api, property_application
from tests.test_notices_api import accepted_case, notices

SMS_TOKEN_ENV = "GOVFLOW_TEST_SMS_TOKEN"
ZHANGSAN_MAIL = "zhangsan@example.cn"
ZHANGSAN_MOBILE = "13800138000"  # the demo's
ATTEMPTS = 3


@pytest.fixture
def mailbox():  # noqa: ANN201
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def gateway():  # noqa: ANN201
    with Gateway().running() as stub:
        yield stub


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, mailbox: Mailbox, gateway: Gateway, monkeypatch
) -> Settings:
    monkeypatch.setenv(SMS_TOKEN_ENV, "sms-secret")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        demo=True,
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_sender="noreply@zwfw.example.cn",
        smtp_timeout_seconds=2,
        sms_url=gateway.url,
        sms_token_env=SMS_TOKEN_ENV,
        sms_timeout_seconds=2,
        delivery_attempts=ATTEMPTS,
        delivery_retry_seconds=1,
    )


@pytest.fixture
def addressed(api: Api) -> None:
    """张三 has given an e-mail address (an administrator records it)."""
    answer = api.client.put(
        "/api/v1/users/zhangsan", headers=api.headers("admin"), json={"email": ZHANGSAN_MAIL}
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["email"] == "z***@example.cn"


def _deliveries(govflow, case_id: int, channel: str | None = None) -> list[Delivery]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        query = select(Delivery).where(Delivery.case_id == case_id)
        if channel:
            query = query.where(Delivery.channel == channel)
        return list(session.scalars(query.order_by(Delivery.id)))


def _job(govflow, job_id: int) -> Job:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return session.get(Job, job_id)


def _due_now(govflow) -> None:  # noqa: ANN001
    """The pause before the next attempt has passed."""
    with transaction(govflow.db) as session:
        session.execute(update(Job).where(Job.state == PENDING).values(next_attempt_at=clock.now()))


def _events(api: Api, case_id: int, action: str) -> list[dict]:
    items = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    return [e for e in items if e["action"] == action]


def test_accepted_the_applicant_gets_an_email_and_an_sms_with_the_right_text(
    api: Api, govflow, mailbox: Mailbox, gateway: Gateway, addressed
):
    case_id = accepted_case(api)
    # The accepting command committed without calling anyone: two jobs wait.
    assert mailbox.messages == [] and gateway.requests == []
    planned = _deliveries(govflow, case_id)
    assert sorted(d.channel for d in planned) == ["email", "sms"]
    assert {d.status for d in planned} == {"pending"}

    api.run_jobs()
    [notice] = notices(api, case_id)
    [mail] = mailbox.messages
    assert mail["To"] == ZHANGSAN_MAIL and mail["From"] == "noreply@zwfw.example.cn"
    assert mail["Subject"] == f"【政务服务】申请已受理（办件编号 {case_id}）"
    text = mail.get_content()
    assert "申请已受理" in text and f"办件编号：{case_id}" in text
    assert notice["number"] in text  # the 受理通知书's number, as the inbox says it
    [sms] = gateway.requests
    assert sms["body"]["to"] == ZHANGSAN_MOBILE
    assert sms["body"]["text"] == (
        f"【政务服务】您的办件（编号{case_id}）：申请已受理。详情请登录政务服务网查看。"
    )
    assert sms["headers"]["Authorization"] == "Bearer sms-secret"
    # no more personal data than needed: no name, no ID number, no notice contents
    assert "张三" not in sms["body"]["text"] and notice["number"] not in sms["body"]["text"]
    assert sms["headers"]["Idempotency-Key"] == sms["body"]["reference"]

    done = {d.channel: d for d in _deliveries(govflow, case_id)}
    assert done["email"].status == "sent" and done["email"].recipient == "z***@example.cn"
    assert done["sms"].status == "sent" and done["sms"].recipient == "138****8000"
    assert all(d.sent_at is not None and d.attempts == 1 for d in done.values())
    assert len(_events(api, case_id, "notification_delivered")) == 2
    # Administrators see them among the jobs, channel and masked recipient included.
    listed = api.get("/api/v1/admin/jobs", "admin", query_string={"kind": "deliver."})
    assert listed.status_code == 200, listed.get_json()
    summaries = {j["summary"]["channel"]: j for j in listed.get_json()["items"]}
    assert summaries["sms"]["state"] == "done" and summaries["sms"]["kind"] == "deliver.sms"
    assert summaries["sms"]["summary"]["recipient"] == "138****8000"
    assert summaries["email"]["summary"]["delivery"] == "sent"
    # Nothing is sent twice however often the runner comes round.
    api.run_jobs()
    assert len(mailbox.messages) == 1 and len(gateway.requests) == 1


def test_an_smtp_outage_delays_the_mail_but_loses_and_doubles_nothing(
    api: Api, govflow, mailbox: Mailbox, gateway: Gateway, addressed
):
    mailbox.stop()  # the mail server is down
    case_id = accepted_case(api)
    report = jobs.run_due(govflow)
    assert report.retried == 1 and report.done == 1  # the SMS went; the mail waits
    [mail] = _deliveries(govflow, case_id, "email")
    job = _job(govflow, mail.job_id)
    assert mail.status == "pending" and job.state == "pending" and job.attempts == 1
    assert "SMTP server unreachable" in job.last_error
    assert job.next_attempt_at > clock.now()  # a pause before trying again

    _due_now(govflow)
    assert jobs.run_due(govflow).retried == 1  # still down
    assert _job(govflow, mail.job_id).attempts == 2

    mailbox.start()  # back
    _due_now(govflow)
    assert jobs.run_due(govflow).done == 1
    assert len(mailbox.messages) == 1
    [mail] = _deliveries(govflow, case_id, "email")
    assert mail.status == "sent" and mail.attempts == 3
    assert _job(govflow, mail.job_id).state == "done"
    api.run_jobs()
    assert len(mailbox.messages) == 1 and len(gateway.requests) == 1


def test_an_sms_gateway_answering_500_then_200_sends_once(
    api: Api, govflow, gateway: Gateway, addressed
):
    gateway.answers = [500]
    case_id = accepted_case(api)
    api.run_jobs()
    assert len(gateway.requests) == 2  # the 500, then the 200
    first, second = gateway.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    [sms] = _deliveries(govflow, case_id, "sms")
    assert sms.status == "sent" and sms.attempts == 2 and sms.last_error is None


def test_a_gateway_answering_400_is_given_up_after_the_attempts_visibly(
    api: Api, govflow, gateway: Gateway, addressed
):
    gateway.always = 400
    case_id = accepted_case(api)
    api.run_jobs()
    assert len(gateway.requests) == ATTEMPTS
    [sms] = _deliveries(govflow, case_id, "sms")
    assert sms.status == "failed" and sms.attempts == ATTEMPTS and sms.sent_at is None
    assert "HTTP 400" in sms.last_error and sms.recipient == "138****8000"
    [undelivered] = _events(api, case_id, "notification_undelivered")
    assert undelivered["details"]["channel"] == "sms"
    failed = api.get(
        "/api/v1/admin/jobs", "admin", query_string={"state": "failed", "kind": "deliver.sms"}
    ).get_json()["items"]
    assert [(j["case_id"], j["attempts"], j["summary"]["delivery"]) for j in failed] == [
        (case_id, ATTEMPTS, "failed")
    ]
    assert "HTTP 400" in failed[0]["last_error"]
    # the e-mail went regardless
    [mail] = _deliveries(govflow, case_id, "email")
    assert mail.status == "sent"


def test_the_administrators_page_lists_deliveries_with_their_state(
    app, api: Api, govflow, gateway: Gateway, addressed
):  # noqa: ANN001
    from tests.test_pages import Browser, _text

    gateway.always = 400
    accepted_case(api)
    api.run_jobs()
    page = Browser(app, "admin").get("/admin/jobs?kind=deliver.&state=failed")
    assert page.status_code == 200
    text = _text(page)
    assert "deliver.sms" in text and "138****8000" in text and "未能送达" in text
    assert "HTTP 400" in text and "deliver.email" not in text  # the mail went: not failed
    sent = _text(Browser(app, "admin").get("/admin/jobs?kind=deliver.&state=done"))
    assert "z***@example.cn" in sent and "已发送" in sent


def test_without_an_address_or_a_configured_channel_nothing_is_sent_and_that_is_recorded(
    api: Api, govflow, mailbox: Mailbox, gateway: Gateway
):
    # 张三 has taken his e-mail address off (the demo gives him one); and SMS is switched off
    taken_off = api.client.put(
        "/api/v1/users/zhangsan", headers=api.headers("admin"), json={"email": None}
    )
    assert taken_off.status_code == 200 and "email" not in taken_off.get_json()
    govflow.settings = Settings(**{**govflow.settings.__dict__, "sms_url": ""})
    case_id = accepted_case(api)
    api.run_jobs()
    assert mailbox.messages == [] and gateway.requests == []
    found = {d.channel: d for d in _deliveries(govflow, case_id)}
    assert found["email"].status == "skipped"
    assert found["email"].last_error == "no e-mail address on file"
    assert found["sms"].status == "skipped" and found["sms"].last_error == "SMS is not configured"
    assert len(_events(api, case_id, "notification_not_sent")) == 2


def test_a_channel_switched_off_is_recorded_at_once_and_gives_the_runner_no_work(
    api: Api, govflow, mailbox: Mailbox, gateway: Gateway, addressed
):
    # Neither channel configured (the default set-up): no job is queued to find that out.
    govflow.settings = Settings(
        **{**govflow.settings.__dict__, "sms_url": "", "smtp_host": "", "smtp_sender": ""}
    )
    case_id = accepted_case(api)
    found = _deliveries(govflow, case_id)
    assert found and {d.status for d in found} == {"skipped"}
    assert all(d.job_id is None and d.settled_at is not None for d in found)
    assert {d.last_error for d in found} == {"e-mail is not configured", "SMS is not configured"}
    with read_only(govflow.db) as session:
        kinds = set(session.scalars(select(Job.kind).where(Job.case_id == case_id)))
    assert not any(kind.startswith("deliver.") for kind in kinds)
    assert len(_events(api, case_id, "notification_not_sent")) == len(found)
    # Switched on again, the next notification goes out as a job.
    govflow.settings = Settings(**{**govflow.settings.__dict__, "sms_url": gateway.url})
    second = accepted_case(api)
    api.run_jobs()
    assert [d.status for d in _deliveries(govflow, second, "sms")] == ["sent"]
    assert mailbox.messages == []


def test_a_case_command_that_rolls_back_enqueues_nothing(api: Api, govflow):
    case_id = api.start_case("property_transfer", property_application())["id"]

    def count() -> tuple[int, int, int]:
        with read_only(govflow.db) as session:
            return tuple(
                session.scalar(select(func.count()).select_from(t))
                for t in (Notification, Delivery, Job)
            )

    before = count()

    def tell_then_fail(ctx) -> None:  # noqa: ANN001
        inbox.tell_applicant(ctx.session, ctx.case, "case_accepted", "申请已受理", "正文")
        ctx.session.flush()  # written within the transaction, jobs too, before it fails
        assert len(ctx.session.new) == 0
        raise Conflict("something else went wrong", code="conflict")

    with pytest.raises(Conflict):
        execute(govflow, case_id, SYSTEM, tell_then_fail, touches_workflow=False)
    assert count() == before

    # The same command committing enqueues one delivery per channel.
    execute(
        govflow,
        case_id,
        SYSTEM,
        lambda ctx: inbox.tell_applicant(ctx.session, ctx.case, "case_accepted", "申请已受理", ""),
        touches_workflow=False,
    )
    assert count() == (before[0] + 1, before[1] + 2, before[2] + 2)


def test_no_call_is_made_while_a_database_transaction_is_open(
    api: Api, govflow, mailbox: Mailbox, gateway: Gateway, addressed, monkeypatch
):
    """Each send checks that its thread holds no open transaction (a lock or a connection
    the case's command could be waiting for)."""
    open_transactions = threading.local()

    def began(conn) -> None:  # noqa: ANN001
        open_transactions.depth = getattr(open_transactions, "depth", 0) + 1

    def ended(conn) -> None:  # noqa: ANN001
        open_transactions.depth = getattr(open_transactions, "depth", 0) - 1

    engines = {govflow.db.write_engine, govflow.db.read_engine}
    listeners = [(e, name, fn) for e in engines for name, fn in (
        ("begin", began), ("commit", ended), ("rollback", ended))]  # fmt: skip
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    seen: list[tuple[str, int]] = []

    def guarded(channel: str, original):  # noqa: ANN001, ANN202
        def send(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            seen.append((channel, getattr(open_transactions, "depth", 0)))
            return original(self, *args, **kwargs)

        return send

    monkeypatch.setattr(SmtpChannel, "send", guarded("email", SmtpChannel.send))
    monkeypatch.setattr(SmsGateway, "send", guarded("sms", SmsGateway.send))
    try:
        case_id = accepted_case(api)
        assert seen == []  # the command that wrote the notification sent nothing
        api.run_jobs()
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)
    assert sorted(seen) == [("email", 0), ("sms", 0)]
    assert {d.status for d in _deliveries(govflow, case_id)} == {"sent"}
