"""Real BPMN files other tools wrote (../shared/bpmn-corpus, MIWG test suite, CC BY 3.0).

What a designer expects from each file (the corpus README): it is stored and its diagram
can be viewed; deploying it either succeeds or answers 422 with element-level reasons (or
400 for a file that is not BPMN at all); nothing answers 500, hangs, or leaves half a
definition behind.

One app serves the whole module (migrating and seeding per file would dominate the run).
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from engine.config import Settings
from tests.support import Api

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "bpmn-corpus"
FILES = sorted(CORPUS.rglob("*.bpmn")) if CORPUS.is_dir() else []
#: A hang guard per upload, not a performance target.
PER_FILE_SECONDS = 20

pytestmark = pytest.mark.skipif(
    not FILES, reason=f"no BPMN corpus at {CORPUS} (the shared corpus folder is absent)"
)


@pytest.fixture(scope="module")
def corpus_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Any]]:
    """A migrated, demo-seeded app for the module, built like conftest's ``app``."""
    from flask_migrate import upgrade

    from engine.principal import SYSTEM
    from engine.services.demo import seed_demo
    from web import create_app
    from web.extensions import db

    tmp = tmp_path_factory.mktemp("corpus")
    pg_url = os.environ.get("GOVFLOW_TEST_DATABASE_URL", "")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    if pg_url:
        admin = sa.create_engine(pg_url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in pg_url else "?"
        url = f"{pg_url}{separator}options={quote(f'-csearch_path={schema}')}"
    else:
        url = f"sqlite:///{tmp / 'govflow.sqlite3'}"
    app = create_app(Settings(data_dir=tmp / "data", database_url=url, demo=True), TESTING=True)
    with app.app_context():
        upgrade()
    seed_demo(app.extensions["govflow"], SYSTEM)
    yield Api(app.test_client()), app
    app.extensions["govflow"].close()
    with app.app_context():
        db.engine.dispose()
    if pg_url:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


class UploadTookTooLong(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise UploadTookTooLong


def upload(api: Api, path: Path) -> Any:
    """POST one file as the designer, failing (not hanging) after PER_FILE_SECONDS."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(PER_FILE_SECONDS)
    try:
        return api.post(
            "/api/v1/process-definitions",
            "designer",
            data={"file": (io.BytesIO(path.read_bytes()), path.name)},
            content_type="multipart/form-data",
        )
    except UploadTookTooLong:
        pytest.fail(f"{path.relative_to(CORPUS)}: no answer within {PER_FILE_SECONDS} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def all_pages(api: Api, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = api.get(path, "designer", query_string={"page": page, "per_page": 100})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        if not body["items"] or len(items) >= body["total"]:
            return items
        page += 1


def _reason(message: str) -> str:
    """A refusal message without its element-specific parts, for the summary."""
    for cut in (" '", ": ", " ("):
        message = message.split(cut)[0]
    return message[:70]


def test_every_corpus_file_is_deployed_or_refused_with_reasons(corpus_api):
    api, app = corpus_api
    outcomes: dict[str, int] = {}
    problems: list[str] = []
    reasons: Counter[str] = Counter()

    for path in FILES:
        name = str(path.relative_to(CORPUS))
        response = upload(api, path)
        outcomes[name] = response.status_code
        body = response.get_json(silent=True) or {}
        if response.status_code in (200, 201):
            if body.get("key") is None or not body.get("version"):
                problems.append(f"{name}: deployed without key/version: {body}")
        elif response.status_code == 422:
            error = body.get("error", {})
            elements = error.get("details", {}).get("elements")
            if error.get("code") != "undeployable_bpmn" or not elements:
                problems.append(f"{name}: 422 without element-level reasons: {body}")
            elif not all(
                isinstance(e, dict) and e.get("id") and e.get("message") for e in elements
            ):
                problems.append(f"{name}: element reasons without id/message: {elements}")
            else:
                reasons.update({_reason(e["message"]) for e in elements})
            if not isinstance(error.get("details", {}).get("model_id"), int):
                problems.append(f"{name}: 422 does not name the stored model")
        elif response.status_code == 400:
            if body.get("error", {}).get("code") not in ("invalid_bpmn", "bad_request"):
                problems.append(f"{name}: 400 with an unexpected body: {body}")
        else:
            problems.append(f"{name}: answered {response.status_code}: {body}")

    deployed = [n for n, s in outcomes.items() if s in (200, 201)]
    refused = [n for n, s in outcomes.items() if s == 422]
    not_bpmn = [n for n, s in outcomes.items() if s == 400]
    print(
        f"\nBPMN corpus: {len(FILES)} files, {len(deployed)} deployed, {len(refused)} refused "
        f"(422), {len(not_bpmn)} not BPMN (400)"
    )
    for reason, count in reasons.most_common(12):
        print(f"  {count:3d} files: {reason}")
    for name in deployed:
        print(f"  deployed: {name}")
    for name in not_bpmn:
        print(f"  not BPMN: {name}")

    assert not problems, "\n".join(problems)

    # Every well-formed upload is kept as a model with its XML intact.
    models = {m["sha256"]: m for m in all_pages(api, "/api/v1/models")}
    for path in FILES:
        name = str(path.relative_to(CORPUS))
        if outcomes[name] == 400:
            continue
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        assert sha in models, f"{name} was not kept as a model"
        model = models[sha]
        assert model["deployable"] is (outcomes[name] != 422), name
        xml = api.get(f"/api/v1/models/{model['id']}/bpmn", "designer")
        assert xml.status_code == 200, name
        assert hashlib.sha256(xml.get_data()).hexdigest() == sha, f"{name}: stored XML differs"

    # No definition is half-stored: every row reads back through the API and parses.
    from engine.definitions.specs import cached_process
    from engine.models import ProcessDefinition
    from engine.uow import read_only

    with read_only(app.extensions["govflow"].db) as session:
        rows = list(session.scalars(sa.select(ProcessDefinition)))
    assert {r.key for r in rows} >= {"property_transfer", "business_startup"}
    for row in rows:
        view = api.get(
            f"/api/v1/process-definitions/{quote(row.key, safe='')}",
            "designer",
            query_string={"version": row.version},
        )
        assert view.status_code == 200, (row.key, view.get_json())
        assert view.get_json()["version"] == row.version
        bpmn = api.get(
            f"/api/v1/process-definitions/{quote(row.key, safe='')}/bpmn",
            "designer",
            query_string={"version": row.version},
        )
        assert bpmn.status_code == 200 and bpmn.get_data(as_text=True) == row.bpmn_xml
        assert (
            cached_process(
                row.sha256, row.key, row.bpmn_xml, [f["xml"] for f in row.dmn_files]
            ).spec
            is not None
        )
