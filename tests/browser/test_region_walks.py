"""Regions in the browser: an applicant chooses where the matter is handled; a
district's supervisor sees the district's dashboard."""

from __future__ import annotations

import re

import pytest

from engine.models import Case
from engine.uow import read_only
from tests.support import property_application

pytestmark = pytest.mark.browser


def test_applicant_chooses_haidian_and_haidians_supervisor_sees_the_dashboard(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    w = walk("regions")
    page = w.page
    w.login("zhangsan")
    w.goto("/apply/property_transfer", "apply-with-division")
    options = page.locator("[data-test=division] option").all_inner_texts()
    assert any("海淀区人民政府" in o for o in options), options
    for name, value in property_application().items():
        if not isinstance(value, bool):
            page.fill(f"[name={name}]", str(value))
    page.check("[name=first_home][value=true]")
    page.select_option("[data-test=division]", "110108")
    w.follow("[data-test=submit-application]", re.compile(r"/cases/\d+$"))
    w.check("case-handled-in-haidian")
    case_id = int(re.search(r"/cases/(\d+)", page.url).group(1))
    with read_only(app.extensions["govflow"].db) as session:
        assert session.get(Case, case_id).division == "110108"

    supervisor = walk("regions-supervisor")
    supervisor.login("supervisor_haidian")
    supervisor.goto("/supervisor", "haidian-dashboard")
