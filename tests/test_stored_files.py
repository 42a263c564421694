"""A command that fails leaves no files behind (engine.stored_files): the four commands
that write a document's bytes inside a case's command — a material upload, a 补正 item's
file, a task completed with form attachments, 代办 at the window — remove the files they
wrote when they do not commit, an attempt the database made retry included.  A file an
earlier, committed command stored at the same content-addressed path is never removed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from engine import stored_files, uow
from engine.errors import Conflict
from engine.runtime.executor import execute
from engine.services import uploads
from engine.shared_data.models import MaterialUpload
from tests.shared_data_support import JPEG, PDF, PNG, upload
from tests.support import Api, business_application
from tests.test_form_attachments import _claimed_site_check, _complete
from tests.test_pages import _actor
from tests.test_supplement_round_trip import _requested, _send
from tests.test_window_pages import _files, _rows
from tests.test_window_start import _start


def _failing_at_the_end(govflow, monkeypatch, *errors: Exception) -> None:  # noqa: ANN001
    """The next commands fail at their very end, after their files are written, with
    ``errors`` in turn: the statistics' observers are the last thing a command does."""
    pending = list(errors)

    def observer(session, case, definition):  # noqa: ANN001, ANN202
        if pending:
            raise pending.pop(0)

    monkeypatch.setattr(govflow, "case_observers", (*govflow.case_observers, observer))


def _refused() -> Conflict:
    return Conflict("refused at the end of the command", code="refused_for_the_test")


def _locked() -> OperationalError:
    """What SQLite says when another writer holds the database: the command is retried."""
    return OperationalError("COMMIT", {}, Exception("database is locked"))


def _counting_writes(monkeypatch) -> list[Path]:  # noqa: ANN001
    """The files ``stored_files`` writes from now on, a path each time it is written."""
    writes: list[Path] = []
    write = stored_files._write_atomically

    def counted(path: Path, content: bytes) -> None:
        writes.append(path)
        write(path, content)

    monkeypatch.setattr(stored_files, "_write_atomically", counted)
    return writes


def _stored(govflow, case_id: int) -> set[Path]:  # noqa: ANN001
    folder = govflow.settings.data_dir / "uploads" / str(case_id)
    return set(folder.iterdir()) if folder.is_dir() else set()


def _uploads(govflow, case_id: int) -> list[tuple[str, str]]:  # noqa: ANN001
    with uow.read_only(govflow.db) as session:
        rows = session.scalars(select(MaterialUpload).where(MaterialUpload.case_id == case_id))
        return sorted((row.material_code, row.stored_path) for row in rows)


def _path_of(govflow, case_id: int, content: bytes) -> Path:  # noqa: ANN001
    incoming = uploads.read_upload(govflow, "x", io.BytesIO(content))
    return govflow.settings.data_dir / "uploads" / str(case_id) / incoming.sha256


# -- a material upload (uploads.upload_material) ----------------------------------------


def test_a_material_upload_that_fails_after_writing_leaves_no_file(api: Api, govflow, monkeypatch):  # noqa: ANN001
    case_id = api.start_case("business_startup", business_application())["id"]
    _failing_at_the_end(govflow, monkeypatch, _refused())

    refused = upload(api, case_id, "articles_of_association", "zhangsan")

    assert refused.status_code == 409, refused.get_json()
    assert _uploads(govflow, case_id) == []
    assert _stored(govflow, case_id) == set()
    assert _files(govflow) == []  # nor the case's folder


def test_a_material_upload_keeps_its_file(api: Api, govflow):  # noqa: ANN001
    case_id = api.start_case("business_startup", business_application())["id"]
    assert upload(api, case_id, "articles_of_association", "zhangsan").status_code == 201
    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, PDF)}
    assert _path_of(govflow, case_id, PDF).read_bytes() == PDF


def test_a_failed_upload_of_the_same_bytes_keeps_the_file_an_earlier_upload_stored(
    api: Api,
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    case_id = api.start_case("business_startup", business_application())["id"]
    assert upload(api, case_id, "articles_of_association", "zhangsan").status_code == 201
    _failing_at_the_end(govflow, monkeypatch, _refused())

    # The same bytes for another material: the same path, content-addressed.
    assert upload(api, case_id, "lease_contract", "zhangsan").status_code == 409

    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, PDF)}
    kept = api.get(f"/api/v1/cases/{case_id}/materials/articles_of_association/file", "zhangsan")
    assert kept.status_code == 200 and kept.get_data() == PDF


def test_an_upload_the_database_made_retry_keeps_only_the_file_of_the_attempt_that_committed(
    api: Api,
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    case_id = api.start_case("business_startup", business_application())["id"]
    writes = _counting_writes(monkeypatch)
    _failing_at_the_end(govflow, monkeypatch, _locked())

    assert upload(api, case_id, "articles_of_association", "zhangsan").status_code == 201

    # The failed attempt's file went before the retry, which wrote it afresh.
    assert writes == [_path_of(govflow, case_id, PDF)] * 2
    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, PDF)}
    assert [code for code, _path in _uploads(govflow, case_id)] == ["articles_of_association"]


# -- a 补正 item's file (supplement_answers.upload_for_item) --------------------------


def test_a_supplement_item_upload_that_fails_after_writing_leaves_no_file(
    api: Api,
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    case_id, _task = _requested(api)
    _failing_at_the_end(govflow, monkeypatch, _refused())

    assert _send(api, case_id, 2, content=JPEG).status_code == 409

    assert _uploads(govflow, case_id) == []
    assert _stored(govflow, case_id) == set()


def test_a_supplement_item_upload_keeps_its_file(api: Api, govflow):  # noqa: ANN001
    case_id, _task = _requested(api)
    assert _send(api, case_id, 2, content=JPEG).status_code == 201
    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, JPEG)}


def test_a_failed_item_upload_keeps_the_same_file_an_earlier_item_stored(
    api: Api,
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    case_id, _task = _requested(api)
    assert _send(api, case_id, 1).status_code == 201  # PDF
    _failing_at_the_end(govflow, monkeypatch, _refused())

    assert _send(api, case_id, 2).status_code == 409  # the same PDF for another item

    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, PDF)}
    assert len(_uploads(govflow, case_id)) == 1


# -- a task completed with form attachments (tasks.complete) ---------------------------


def test_a_completion_that_fails_after_attaching_leaves_no_file(api: Api, govflow, monkeypatch):  # noqa: ANN001
    case_id, task_id = _claimed_site_check(api)
    _failing_at_the_end(govflow, monkeypatch, _refused())

    refused = _complete(api, task_id, {"site_exists": True, "area": 40}, (PNG, "现场.png"))

    assert refused.status_code == 409, refused.get_json()
    assert _uploads(govflow, case_id) == []
    assert _stored(govflow, case_id) == set()
    assert api.open_task("clerk_market", case_id, "site_check")["status"] == "claimed"


def test_a_form_that_does_not_validate_leaves_no_attached_file(api: Api, govflow):  # noqa: ANN001
    case_id, task_id = _claimed_site_check(api)
    invalid = _complete(api, task_id, {"site_exists": True, "area": -1}, (PNG, "p.png"))
    assert invalid.status_code == 422
    assert _stored(govflow, case_id) == set()


def test_a_completion_keeps_its_attached_file(api: Api, govflow):  # noqa: ANN001
    case_id, task_id = _claimed_site_check(api)
    done = _complete(api, task_id, {"site_exists": True, "area": 40}, (PNG, "现场.png"))
    assert done.status_code == 200, done.get_json()
    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, PNG)}


def test_a_failed_completion_keeps_the_same_file_an_earlier_command_stored(
    api: Api,
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    case_id, task_id = _claimed_site_check(api)
    photo = uploads.read_upload(govflow, "earlier.png", io.BytesIO(PNG))
    execute(
        govflow,
        case_id,
        _actor(govflow, "clerk_market"),
        lambda ctx: uploads.store(ctx, "earlier_photo", photo),
        touches_workflow=False,
    )
    _failing_at_the_end(govflow, monkeypatch, _refused())

    refused = _complete(api, task_id, {"site_exists": True, "area": 40}, (PNG, "现场.png"))

    assert refused.status_code == 409
    assert _stored(govflow, case_id) == {_path_of(govflow, case_id, PNG)}
    assert [code for code, _path in _uploads(govflow, case_id)] == ["earlier_photo"]


# -- 代办 at the window (window.start_with_documents) ---------------------------------


def test_a_start_the_database_made_retry_keeps_only_the_files_of_the_case_it_started(
    app,  # noqa: ANN001
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    before = _rows(govflow)
    writes = _counting_writes(monkeypatch)
    _failing_at_the_end(govflow, monkeypatch, _locked())

    case_id = _start(govflow, {"articles_of_association": PDF, "lease_contract": JPEG})

    assert _rows(govflow)["cases"] == before["cases"] + 1
    folder = govflow.settings.data_dir / "uploads" / str(case_id)
    kept = {folder, _path_of(govflow, case_id, PDF), _path_of(govflow, case_id, JPEG)}
    assert set(_files(govflow)) == kept  # nothing under the number of the failed attempt
    assert len(writes) == 4  # each attempt wrote both (SQLite gives the retry the same number)


def test_a_failed_start_leaves_no_file(app, govflow, monkeypatch):  # noqa: ANN001
    _failing_at_the_end(govflow, monkeypatch, _refused())
    with pytest.raises(Conflict):
        _start(govflow, {"articles_of_association": PDF})
    assert _files(govflow) == []


# -- the commit itself failing (uow.transaction) ---------------------------------------


def _commit_fails_with(session, error: Exception) -> None:  # noqa: ANN001
    def refuse(_session):  # noqa: ANN001, ANN202
        raise error

    event.listen(session, "before_commit", refuse)


def test_a_commit_the_database_refuses_removes_the_files_written(govflow, tmp_path: Path):  # noqa: ANN001
    path = tmp_path / "case" / "document"
    with pytest.raises(OperationalError), uow.transaction(govflow.db) as session:
        stored_files.write(session, path, PDF)
        _commit_fails_with(session, OperationalError("COMMIT", {}, Exception("disk I/O error")))
    assert not path.exists() and not path.parent.exists()


def test_a_commit_whose_connection_was_lost_keeps_the_files_it_may_have_committed(
    govflow,  # noqa: ANN001
    tmp_path: Path,
):
    path = tmp_path / "case" / "document"
    lost = OperationalError("COMMIT", {}, Exception("server closed"), connection_invalidated=True)
    with pytest.raises(OperationalError), uow.transaction(govflow.db) as session:
        stored_files.write(session, path, PDF)
        _commit_fails_with(session, lost)
    assert path.read_bytes() == PDF
