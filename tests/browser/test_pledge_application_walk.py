"""告知承诺制 in the browser: the applicant reads the pledge on the application form,
ticks it, applies, and the case page shows the material pledged."""

from __future__ import annotations

import re

import pytest

from tests.support import business_application
from tests.test_reforms_pages import UNREGISTERED

pytestmark = pytest.mark.browser


def test_the_applicant_pledges_on_the_application_form(walk):  # noqa: ANN001
    w = walk("pledge-on-application")
    page = w.page
    w.login("zhangsan")
    w.goto("/apply/business_startup", "apply-with-pledge")
    pledge = page.locator("[data-test=pledge-address_proof]")
    assert "真实存在、合法使用" in pledge.inner_text()
    for name, value in business_application(address=UNREGISTERED).items():
        if name == "company_type":
            page.select_option("[name=company_type]", value)
        else:
            page.fill(f"[name={name}]", str(value))
    page.check("[data-test=pledge-tick-address_proof]")
    w.check("apply-pledge-ticked")
    w.follow("[data-test=submit-application]", re.compile(r"/cases/\d+$"))
    w.check("case-with-pledge")
    body = page.inner_text("body")
    assert "已签署 1 份告知承诺" in body and "已承诺" in body
