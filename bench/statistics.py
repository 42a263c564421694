"""7. Statistics at volume: 1,000,000 concluded cases in PostgreSQL, inserted in bulk
(``generate_series``, not through the engine), their figures rolled up as
``govflow stats rebuild`` does; then a year's statistics, the export's summary and the
trend by week through the API, p50 of 20 requests each.

``BENCH_STATISTICS_DATABASE_URL`` runs it in a schema of its own in that database (dropped
afterwards) instead of a throw-away cluster: ``python -m bench statistics`` runs this
measure alone.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from engine.services.statistics_export import CASE_LIMIT

from .common import Verdict, percentile_ms, say, scale
from .http_load import Client
from .servers import gunicorn, postgres, prepare_database

YEAR = ("2025-01-01", "2025-12-31")
DEPARTMENTS = {
    "property_transfer": '["service_center", "registry", "tax", "utilities"]',
    "business_startup": '["service_center", "market", "public_security", "tax", "hrss", "housing_fund"]',
}

#: One row per case, spread over 2025 (Beijing days): concluded after 0–6 working days
#: (so about one in seven the same day), one in five applied at the window (one trip).
_CASES = """
INSERT INTO cases (definition_id, process_key, version, status, outcome,
                   applicant_id_number, applicant_name, started_by, data, sources,
                   workflow_state, lock_version, created_at, updated_at, completed_at,
                   suspended, started_at_window)
SELECT d.id, d.key, d.version, 'completed', 'concluded',
       '110105199003071239', '张三', 'zhangsan', '{}'::jsonb, '{}'::jsonb,
       '', 1, s.started, s.started + (g % 7) * interval '1 day',
       s.started + (g % 7) * interval '1 day', false, g % 5 = 0
FROM generate_series(1, :cases) AS g
JOIN process_definitions d ON d.key = CASE WHEN g % 3 = 0 THEN 'business_startup'
                                          ELSE 'property_transfer' END AND d.version = 1
CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 09:00+08' + (g % 358) * interval '1 day'
                    AS started) s
"""
_FIGURES = """
INSERT INTO case_figures (case_id, process_key, departments, started_on, accepted_on,
                          refused_on, concluded_on, within_promised, within_statutory,
                          working_days, supplemented, returned, materials_required,
                          materials_shared, materials_uploaded, trips, rated_on, rating,
                          rectifications, rectified_in_time)
SELECT c.id, c.process_key,
       CASE c.process_key WHEN 'property_transfer' THEN CAST(:pt AS jsonb)
                          ELSE CAST(:bs AS jsonb) END,
       (c.created_at AT TIME ZONE 'Asia/Shanghai')::date,
       (c.created_at AT TIME ZONE 'Asia/Shanghai')::date,
       NULL, (c.completed_at AT TIME ZONE 'Asia/Shanghai')::date,
       (c.id % 7 <= 1)::int, 1, c.id % 7, (c.id % 11 = 0)::int, (c.id % 13 = 0)::int,
       9, 9 - (c.id % 17 = 0)::int, (c.id % 17 = 0)::int, c.started_at_window::int,
       CASE WHEN c.id % 4 = 0 THEN (c.completed_at AT TIME ZONE 'Asia/Shanghai')::date END,
       CASE WHEN c.id % 4 = 0 THEN 5 - (c.id % 40 = 0)::int * 4 END,
       (c.id % 40 = 0)::int, (c.id % 80 = 0)::int
FROM cases c
"""


@contextmanager
def _database() -> Iterator[str | None]:
    """A schema of its own in ``BENCH_STATISTICS_DATABASE_URL``, else a throw-away cluster."""
    given = os.environ.get("BENCH_STATISTICS_DATABASE_URL")
    if not given:
        with postgres() as url:
            yield url
        return
    from sqlalchemy import create_engine

    schema = f"bench_statistics_{uuid.uuid4().hex[:8]}"
    admin = create_engine(given)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in given else "?"
    try:
        yield f"{given}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _fill(url: str, cases: int) -> tuple[float, float]:
    """Seconds to insert the cases with their figures, and to roll them up."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from engine.statistics.tracking import rebuild_rollup

    engine = create_engine(url)
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(_CASES), {"cases": cases})
        conn.execute(
            text(_FIGURES),
            {"pt": DEPARTMENTS["property_transfer"], "bs": DEPARTMENTS["business_startup"]},
        )
    inserted = time.perf_counter() - start
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        rebuild_rollup(session)
    rolled = time.perf_counter() - start
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return inserted, rolled


def _latencies(client: Client, path: str, count: int = 20) -> list[float]:
    client.call("GET", path, "supervisor", answer=False)  # warm-up
    client.latencies.clear()
    for _ in range(count):
        client.call("GET", path, "supervisor", answer=False)
    return list(client.latencies)


def run() -> list[Verdict]:
    cases = scale(1_000_000, 100_000)
    title = f"a year's statistics / export summary / trend with {cases:,} concluded cases (p50)"
    with _database() as url, tempfile.TemporaryDirectory(prefix="govflow-bench-stats-") as tmp:
        if url is None:
            return [Verdict(9, title, "no PostgreSQL", "<= 500 ms / 500 ms / 300 ms", None)]
        data_dir = Path(tmp)
        prepare_database(url, data_dir)
        inserted, rolled = _fill(url, cases)
        say(f"   {cases:,} cases inserted in {inserted:.0f} s, rolled up in {rolled:.0f} s")
        period = f"from={YEAR[0]}&to={YEAR[1]}"
        with gunicorn(url, data_dir, 1) as (base, _master):
            client = Client(base)
            year = client.call("GET", f"/api/v1/statistics?{period}", "supervisor")
            assert year["cases_completed"] == cases, year["cases_completed"]
            figures = _latencies(client, f"/api/v1/statistics?{period}")
            summary = _latencies(
                client, f"/api/v1/statistics/export?{period}&format=xlsx&cases=false"
            )
            trend = _latencies(client, f"/api/v1/statistics/trend?{period}&granularity=week")
            full = _latencies(client, f"/api/v1/statistics/export?{period}&format=xlsx", 3)
    f50, s50, t50 = (percentile_ms(x, 0.5) for x in (figures, summary, trend))
    say(
        f"   year p50 {f50:.1f} ms (p95 {percentile_ms(figures, 0.95):.1f}); export summary "
        f"p50 {s50:.1f} ms; trend by week p50 {t50:.1f} ms; whole export with its "
        f"{CASE_LIMIT:,}-case sheet p50 {percentile_ms(full, 0.5):.0f} ms"
    )
    return [
        Verdict(
            9,
            title,
            f"{f50:.1f} ms / {s50:.1f} ms / {t50:.1f} ms",
            "<= 500 ms / <= 500 ms / <= 300 ms",
            f50 <= 500 and s50 <= 500 and t50 <= 300,
        )
    ]
