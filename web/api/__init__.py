"""REST API v1 (API.md): one blueprint per concern."""

from __future__ import annotations

from flask import Blueprint, Flask


def register_api(app: Flask) -> None:
    from . import (
        auth,
        calendar,
        cases,
        definitions,
        docs,
        incidents,
        shared_data,
        supervision,
        tasks,
    )
    from .parsing import IdConverter, YearConverter

    # <id:case_id> and <year:year>: path numbers that fit their column, else 404 (parsing.py)
    app.url_map.converters.update(id=IdConverter, year=YearConverter)

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for module in (auth, definitions, cases, tasks, calendar, supervision, shared_data, incidents):
        api.register_blueprint(module.bp)
    from . import verbs  # 退回, 转办, 会签, 催办, 挂起, 终止, 不予受理, 好差评

    api.register_blueprint(verbs.bp)
    from . import directory  # departments and users, administered

    api.register_blueprint(directory.bp)
    from . import parties  # the other parties of a case confirm it

    api.register_blueprint(parties.bp)
    from . import messages  # integrations tell a waiting case (POST /messages)

    api.register_blueprint(messages.bp)

    from . import statistics  # figures, trend, export, re-engineering report, visits

    api.register_blueprint(statistics.bp)

    from . import notices  # 文书, the inbox, 延期

    api.register_blueprint(notices.bp)

    from . import reforms  # 容缺受理 and 告知承诺制

    api.register_blueprint(reforms.bp)

    from . import jobs  # the queue of outbound calls (admin)

    api.register_blueprint(jobs.bp)
    app.register_blueprint(api)
    app.register_blueprint(docs.bp)
    from . import health

    app.register_blueprint(health.bp)
