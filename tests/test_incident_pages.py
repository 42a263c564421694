"""The incidents page: administrators and supervisors see what kept failing, with a link
to the case; administrators retry it there, with a data fix."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine

from tests.support import Api
from tests.test_incidents import failing_case, incidents, into_incident
from tests.test_pages import Browser, _text


def an_incident(api: Api, govflow):  # noqa: ANN001, ANN201
    case_id, due = failing_case(api)
    last = into_incident(api, govflow, case_id, due)
    return case_id, last + timedelta(minutes=5)


def test_supervisors_see_incidents_with_the_case_but_no_retry(app, api: Api, govflow):  # noqa: ANN001
    case_id, _later = an_incident(api, govflow)

    page = Browser(app, "supervisor").get("/incidents")

    assert page.status_code == 200
    text = _text(page)
    assert "运行故障" in text and "金额核查" in text and "amount" in text
    assert f'href="/cases/{case_id}"' in page.get_data(as_text=True)
    assert "/retry" not in page.get_data(as_text=True)


def test_an_administrator_retries_with_a_data_fix_from_the_page(app, api: Api, govflow):  # noqa: ANN001
    case_id, later = an_incident(api, govflow)
    (incident,) = incidents(api)
    admin = Browser(app, "admin")
    listing = admin.get("/incidents")
    assert f"/incidents/{incident['id']}/retry" in listing.get_data(as_text=True)

    with time_machine.travel(later, tick=False):
        bad = admin.post(f"/incidents/{incident['id']}/retry", {"data": "{amount: 5"})
        assert "不是有效的 JSON" in _text(admin.get(bad.headers["Location"]))
        assert incidents(api, status="open") == [incident]  # nothing changed

        done = admin.post(f"/incidents/{incident['id']}/retry", {"data": '{"amount": 5}'})
        assert "恢复运行" in _text(admin.get(done.headers["Location"]))
        resolved = _text(admin.get("/incidents?status=resolved"))

    assert f"#{case_id}" in resolved
    assert incidents(api, status="open") == []
    assert api.get(f"/api/v1/cases/{case_id}", "admin").get_json()["status"] == "running"


def test_the_incidents_page_is_for_administrators_and_supervisors_only(app, api: Api, govflow):  # noqa: ANN001
    _case_id, _later = an_incident(api, govflow)
    (incident,) = incidents(api)
    assert Browser(app, "clerk_tax").get("/incidents").status_code == 403
    assert Browser(app, "zhangsan").get("/incidents").status_code == 403
    supervisor = Browser(app, "supervisor")
    supervisor.get("/incidents")  # the form token
    refused = supervisor.post(f"/incidents/{incident['id']}/retry", {})
    assert refused.status_code == 403
    assert incidents(api) == [incident]


def test_the_case_page_marks_the_failing_step_on_the_diagram(app, api: Api, govflow):  # noqa: ANN001
    case_id, _later = an_incident(api, govflow)
    (incident,) = incidents(api)

    page = Browser(app, "admin").get(f"/cases/{case_id}")

    html = page.get_data(as_text=True)
    marks = html.split('class="diagram-state">', 1)[1].split("</script>", 1)[0]
    assert json.loads(marks)["error"] == [incident["element_id"]]
    assert "等待管理员处理" in _text(page) and incident["element_id"]
