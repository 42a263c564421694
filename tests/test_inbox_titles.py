"""The inbox page shows a deadline notice's title in the reader's language: the engine
writes warnings and overdue notices with no title of their own (the API answers the
Chinese one), and the page translates them by their kind."""

from __future__ import annotations

import re

import time_machine

from engine import scheduler
from tests.support import Api
from tests.test_notices_api import accepted_case, inbox
from tests.test_pages import Browser
from tests.test_time_limits import at


def _titles(browser: Browser, lang: str) -> dict[int, str]:
    """The inbox page in ``lang``: each notification's id → the title it shows."""
    page = browser.get(f"/inbox?lang={lang}").get_data(as_text=True)
    return {
        int(found.group(1)): found.group(2)
        for found in re.finditer(r'data-test="notification-title-(\d+)">([^<]*)<', page)
    }


def test_deadline_notices_read_in_chinese_and_in_english(app, api: Api, govflow):  # noqa: ANN001
    with time_machine.travel(at("2026-09-29T10:00:00"), tick=False):
        case_id = accepted_case(api)
    with time_machine.travel(at("2026-09-30T15:00:00"), tick=False):
        scheduler.tick(govflow)  # yellow
    with time_machine.travel(at("2026-10-08T09:00:00"), tick=False):
        scheduler.tick(govflow)  # red
    told = {n["id"]: n for n in inbox(api, "supervisor") if n["kind"].startswith("deadline_")}
    warnings = [i for i, n in told.items() if n["kind"] == "deadline_warning"]
    overdue = [i for i, n in told.items() if n["kind"] == "deadline_overdue"]
    assert warnings and overdue, told
    assert any(n["case_id"] == case_id for n in told.values())

    supervisor = Browser(app, "supervisor")
    chinese, english = _titles(supervisor, "zh"), _titles(supervisor, "en")

    # In Chinese the page says what the API says; in English, the English title.
    for i in told:
        assert chinese[i] == told[i]["title"]
    assert {chinese[i] for i in warnings} == {"时限预警"}
    assert {chinese[i] for i in overdue} == {"已超期"}
    assert {english[i] for i in warnings} == {"Time limit warning"}
    assert {english[i] for i in overdue} == {"Overdue"}
    # The API's fields are as they were: the title stays the Chinese one whatever the page.
    assert {inbox(api, "supervisor")[0]["title"]} <= {"时限预警", "已超期"}


def test_a_titled_notification_keeps_its_own_title_in_either_language(app, api: Api):  # noqa: ANN001
    """An applicant's notification carries its own title: the page shows it as written."""
    accepted_case(api)
    [accepted] = [n for n in inbox(api, "zhangsan") if n["kind"] == "case_accepted"]
    zhangsan = Browser(app, "zhangsan")
    assert _titles(zhangsan, "en")[accepted["id"]] == accepted["title"]
    assert _titles(zhangsan, "zh")[accepted["id"]] == accepted["title"]
