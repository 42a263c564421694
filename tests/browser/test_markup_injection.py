"""Markup typed by designers and applicants stays text on every page, for every role.

A hostile designer and applicant plant a payload in every string they control — process,
step and event names, form titles, labels and options, the application's fields, the
applicant's name at the window, supplement notes, opinions, refusal reasons, rating
comments, an uploaded file's name, an objection to shared data.  Then every role signs
in and walks every page its links reach: no element or script from the payload may be in
the DOM, no script of it may have run, and no page may have navigated away (the payload's
``<meta http-equiv=refresh>`` would send the browser to 127.0.0.1:9).
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

from engine.demo import ZHANGSAN_ID
from tests.support import PASSWORD, property_application

from .conftest import Walk, serving

pytestmark = pytest.mark.browser

PAYLOAD = (
    '</script><meta http-equiv=refresh content="0;url=http://127.0.0.1:9/">'
    "<img src=x onerror=__xss=1>"
)  # 97 characters: within the 100 an applicant's name may have
#: What a page shows when the payload is escaped: the markup as text.
SHOWN = "<img src=x onerror="
PROCESS = "xss_check"
PAGES_PER_ROLE = 60
ROLES = (
    "zhangsan",
    "clerk_service_center",
    "clerk_market",
    "supervisor",
    "admin",
    "designer",
)


def _label() -> dict:
    return {"zh": PAYLOAD, "en": PAYLOAD}


APPLY_FORM = {
    "key": f"{PROCESS}/apply",
    "title": _label(),
    "fields": [
        {"name": "shop_name", "type": "string", "required": True, "label": _label()},
        {
            "name": "kind",
            "type": "enum",
            "label": _label(),
            "options": [{"value": "a", "label": _label()}, {"value": "b", "label": _label()}],
        },
        {"name": "remarks", "type": "text", "max_length": 500, "label": _label()},
    ],
}
CHECK_FORM = {
    "key": f"{PROCESS}/site_check",
    "title": _label(),
    "fields": [
        {"name": "site_exists", "type": "boolean", "required": True, "label": _label()},
        {"name": "area", "type": "number", "required": True, "min": 0, "label": _label()},
        {"name": "opinion", "type": "text", "max_length": 500, "label": _label()},
    ],
}


def _bpmn() -> str:
    name = quoteattr(PAYLOAD)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_{PROCESS}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{PROCESS}" name={name} isExecutable="true">
    <bpmn:documentation>{escape(PAYLOAD)}</bpmn:documentation>
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_market" name="市场监督管理局">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>site_check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gateway</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>passed</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>failed</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name={name} camunda:formKey="{PROCESS}/apply">
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="site_check" name={name} camunda:formKey="{PROCESS}/site_check">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gateway" name={name}>
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_pass</bpmn:outgoing>
      <bpmn:outgoing>f_fail</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="passed" name={name}>
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="concludes_case" value="true" /></camunda:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_pass</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:endEvent id="failed" name={name}>
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="outcome" value="refused" /></camunda:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_fail</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="site_check" />
    <bpmn:sequenceFlow id="f2" sourceRef="site_check" targetRef="gateway" />
    <bpmn:sequenceFlow id="f_pass" name={name} sourceRef="gateway" targetRef="passed">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{site_exists}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_fail" sourceRef="gateway" targetRef="failed">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{!site_exists}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


class Client:
    """The API as the hostile users use it."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            answer = self.client.post(
                "/api/v1/auth/token", json={"username": user, "password": PASSWORD}
            )
            self.tokens[user] = answer.get_json()["token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def call(self, method: str, path: str, user: str, expect: int = 200, **kwargs) -> dict:  # noqa: ANN003
        response = self.client.open(path, method=method, headers=self.headers(user), **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.get_json())
        return response.get_json() or {}

    def open_task(self, user: str, case_id: int, bpmn_id: str) -> str:
        items = self.call("GET", "/api/v1/tasks", user, query_string={"per_page": 100})["items"]
        return next(
            t["id"]
            for t in items
            if t["case_id"] == case_id
            and t["bpmn_id"] == bpmn_id
            and t["status"] in ("ready", "claimed")
        )


def _plant(app) -> None:  # noqa: ANN001
    api = Client(app)
    # The designer: names and forms.
    api.call(
        "POST",
        "/api/v1/process-definitions",
        "designer",
        expect=201,
        content_type="multipart/form-data",
        data={
            "file": (io.BytesIO(_bpmn().encode()), f"{PROCESS}.bpmn"),
            "form": [
                (io.BytesIO(json.dumps(form).encode()), f"{form['key'].split('/')[1]}.json")
                for form in (APPLY_FORM, CHECK_FORM)
            ],
        },
    )
    application = {"shop_name": PAYLOAD, "kind": "a", "remarks": PAYLOAD}
    # The applicant online: the application's own strings.
    online = api.call(
        "POST",
        "/api/v1/cases",
        "zhangsan",
        expect=201,
        json={"process_key": PROCESS, "data": application},
    )["id"]
    # The window: an applicant's name as typed at the counter (stays open in the worklist).
    api.call(
        "POST",
        "/api/v1/cases",
        "clerk_service_center",
        expect=201,
        json={
            "process_key": PROCESS,
            "applicant": {"id_number": ZHANGSAN_ID, "name": PAYLOAD},
            "data": application,
        },
    )
    # A supplement asked and answered, the step done with an opinion, then a bad rating
    # (which opens a rectification task for the supervisors).
    task = api.open_task("clerk_market", online, "site_check")
    api.call("POST", f"/api/v1/tasks/{task}/claim", "clerk_market")
    api.call(
        "POST",
        f"/api/v1/tasks/{task}/request-supplement",
        "clerk_market",
        json={"items": [{"name": PAYLOAD, "reason": PAYLOAD}], "note": PAYLOAD},
    )
    api.call(
        "POST",
        f"/api/v1/cases/{online}/supplement",
        "zhangsan",
        json={"note": PAYLOAD, "data": {"remarks": PAYLOAD}},
    )
    task = api.open_task("clerk_market", online, "site_check")
    api.call(
        "POST",
        f"/api/v1/tasks/{task}/complete",
        "clerk_market",
        json={"data": {"site_exists": True, "area": 20, "opinion": PAYLOAD}},
    )
    api.call(
        "POST",
        f"/api/v1/cases/{online}/rating",
        "zhangsan",
        expect=201,
        json={
            "level": 1,
            "comment": PAYLOAD,
            "departments": {"market": {"level": 1, "comment": PAYLOAD}},
        },
    )
    # A property transfer: an objection to shared data, then refused at the window.
    refused = api.call(
        "POST",
        "/api/v1/cases",
        "zhangsan",
        expect=201,
        json={"process_key": "property_transfer", "data": property_application()},
    )["id"]
    # the seller confirms: the property record (his) is pulled, and can be objected to
    api.call("POST", f"/api/v1/cases/{refused}/confirmations", "lisi")
    api.call(
        "POST",
        f"/api/v1/cases/{refused}/disputes",
        "zhangsan",
        expect=201,
        json={"provider": "property", "subject_field": "certificate_no", "reason": PAYLOAD},
    )
    task = api.open_task("clerk_service_center", refused, "acceptance")
    api.call(
        "POST",
        f"/api/v1/tasks/{task}/refuse",
        "clerk_service_center",
        json={"reasons": [{"code": "other", "text": PAYLOAD}], "note": PAYLOAD},
    )
    # A business start-up with an uploaded document whose file name is the payload.
    startup = api.call(
        "POST",
        "/api/v1/cases",
        "zhangsan",
        expect=201,
        json={"process_key": "business_startup", "data": _business()},
    )["id"]
    api.call(
        "POST",
        f"/api/v1/cases/{startup}/materials/articles_of_association",
        "zhangsan",
        expect=201,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), PAYLOAD.replace("/", "") + ".pdf")},
    )


def _business() -> dict:
    from tests.support import business_application

    return business_application()


CHECK_DOM = """() => ({
  planted: document.querySelectorAll('meta[http-equiv], img[src="x"], [onerror]').length,
  ran: window.__xss === 1,
  scripts: [...document.scripts].filter(
      s => s.type !== 'application/json' && s.textContent.includes('__xss')).length,
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
})"""


def _walkable(base: str, href: str | None, current: str) -> str | None:
    """A same-site page path worth visiting, or None."""
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urljoin(current, href)
    if not url.startswith(base):
        return None
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(("/static/", "/api/", "/logout")) or path.endswith(".xml"):
        return None
    if "lang=" in parts.query or "/file" in path or path.endswith(("/download", "/result")):
        return None
    # files, not pages: a notice's PDF, a statistics export
    if re.search(r"/notices/\d+$", path) or path.endswith("/export"):
        return None
    return path + ("?" + parts.query if parts.query else "")


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from .conftest import _require_browser

    _require_browser()
    with serving(tmp_path_factory.mktemp("hostile")) as server:
        _plant(server["app"])
        yield server


@pytest.mark.parametrize("user", ROLES)
def test_no_planted_markup_reaches_any_page_of_any_role(browser, hostile_server, user: str):  # noqa: ANN001
    base = hostile_server["url"]
    walk = Walk(browser, base, f"xss-{user}", {"width": 1366, "height": 768})
    try:
        walk.login(user)
        queue, seen, shown_on = deque([walk.page.url[len(base) :]]), set(), []
        while queue and len(seen) < PAGES_PER_ROLE:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            response = walk.page.goto(base + path)
            assert response is not None and response.status < 500, (path, response)
            walk.page.wait_for_timeout(150)  # a meta refresh of 0 s would have fired
            assert walk.page.url.startswith(base), f"{path} navigated to {walk.page.url}"
            found = walk.page.evaluate(CHECK_DOM)
            assert found["planted"] == 0, f"{path}: payload elements in the DOM"
            assert not found["ran"] and found["scripts"] == 0, f"{path}: payload script"
            if SHOWN in walk.page.inner_text("body"):
                shown_on.append(path)
            for href in found["links"]:
                target = _walkable(base, href, walk.page.url)
                if target and target not in seen:
                    queue.append(target)
        # The walk reached the planted strings: they were shown, as text.
        assert shown_on, f"{user} saw none of the planted strings on {sorted(seen)}"
    finally:
        walk.close()


def test_the_dashboard_chart_data_keeps_the_process_name_as_data(browser, hostile_server):  # noqa: ANN001
    walk = Walk(browser, hostile_server["url"], "xss-chart", {"width": 1366, "height": 768})
    try:
        walk.login("supervisor")
        walk.page.goto(hostile_server["url"] + "/supervisor")
        labels = walk.page.evaluate(
            "() => JSON.parse(document.getElementById('chart-data').textContent).processes.labels"
        )
        assert PAYLOAD in labels
        raw = walk.page.evaluate("() => document.getElementById('chart-data').textContent")
        assert "</script" not in raw.lower()
    finally:
        walk.close()
