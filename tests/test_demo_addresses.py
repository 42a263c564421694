"""The demo's people have addresses, so the e-mail and SMS channels of an applicant's
notifications (docs/OUTBOUND.md) have somewhere to go; and the default demo, which
configures no SMTP server or SMS gateway, records each delivery ``skipped`` at once
instead of queueing work nobody can do."""

from __future__ import annotations

from sqlalchemy import select

from engine import demo
from engine.jobs.models import Job
from engine.notices.deliveries import Delivery
from engine.uow import read_only
from tests.support import Api
from tests.test_notices_api import accepted_case


def test_every_demo_user_has_an_email_on_the_example_domain_and_applicants_a_phone():
    users = demo._users()
    assert all(u["email"] == f"{u['username']}@example.cn" for u in users)
    assert len({u["email"] for u in users}) == len(users)  # nobody shares a mailbox
    applicants = [u for u in users if u["roles"] == ["applicant"]]
    assert {u["username"] for u in applicants} == {"zhangsan", "lisi"}
    assert all(u["phone"] for u in applicants)


def test_the_seeded_applicant_account_lists_its_email_masked(api: Api):
    user = api.get("/api/v1/users/zhangsan", "admin").get_json()
    assert user["email"] == "z***@example.cn"


def test_with_no_smtp_or_sms_configured_the_demo_records_deliveries_skipped_at_once(
    api: Api,
    govflow,  # noqa: ANN001
):
    assert not govflow.settings.smtp_host and not govflow.settings.sms_url  # the default

    case_id = accepted_case(api)  # 张三 is told: e-mail and SMS, both with an address

    with read_only(govflow.db) as session:
        found = list(session.scalars(select(Delivery).where(Delivery.case_id == case_id)))
        kinds = set(session.scalars(select(Job.kind).where(Job.case_id == case_id)))
    assert sorted(d.channel for d in found) == ["email", "sms"]
    assert {d.status for d in found} == {"skipped"}
    assert all(d.settled_at is not None and d.job_id is None for d in found)
    assert {d.last_error for d in found} == {"e-mail is not configured", "SMS is not configured"}
    assert not any(kind.startswith("deliver.") for kind in kinds)  # no work for the runner
