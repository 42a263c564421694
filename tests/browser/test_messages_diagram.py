"""The flagship's message wait, as a designer sees it in bpmn-js: the bank's tax_paid
boundary event is drawn on 税款征收 with its flow, not piled at the origin."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_bank_confirmation_is_drawn_on_the_tax_collection(walk, live_server):  # noqa: ANN001
    w = walk("designer-messages")
    w.login("designer")
    w.goto("/designer/definitions/property_transfer", "property-transfer-diagram")
    page = w.page
    assert page.get_attribute("[data-test=diagram]", "data-rendered") == "true"
    boundary = page.locator('.djs-element[data-element-id="tax_paid_by_bank"]')
    task = page.locator('.djs-element[data-element-id="collect_tax"]')
    assert boundary.count() == 1 and task.count() == 1
    flow = page.locator(
        '.djs-element[data-element-id="Flow_tax_paid_by_bank__issue_tax_certificate"]'
    )
    assert flow.count() == 1
    # on the task's lower edge, where a modeller puts a boundary event
    event, step = boundary.bounding_box(), task.bounding_box()
    assert event and step
    middle = event["y"] + event["height"] / 2
    assert abs(middle - (step["y"] + step["height"])) < 4
    assert step["x"] <= event["x"] + event["width"] / 2 <= step["x"] + step["width"]
