"""The sweep of uploaded files no upload names (engine.services.upload_sweep): what a
process killed before its commit left under ``uploads/`` goes; every file an upload row
names stays, however old — a superseded upload's too — and so does anything the sweep did
not make or that may still be about to be committed."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine.models import AuditEvent
from engine.services import upload_sweep
from engine.uow import read_only
from tests.shared_data_support import PDF, PNG, upload
from tests.support import Api, business_application
from tests.test_cli import run  # noqa: F401

TWO_DAYS = 2 * 24 * 3600


def _case(api: Api) -> int:
    return api.start_case("business_startup", business_application())["id"]


def _folder(govflow, case_id: int) -> Path:  # noqa: ANN001
    return govflow.settings.data_dir / "uploads" / str(case_id)


def _left(
    govflow, case_id: int, content: bytes, *, name: str | None = None, age: float = TWO_DAYS
) -> Path:  # noqa: ANN001
    """A file as a killed process leaves it: on disk under the case, named by no row."""
    folder = _folder(govflow, case_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or hashlib.sha256(content).hexdigest())
    path.write_bytes(content)
    _age(path, age)
    return path


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _stored(govflow, case_id: int) -> set[str]:  # noqa: ANN001
    folder = _folder(govflow, case_id)
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _download(api: Api, case_id: int) -> bytes:
    case = api.get(f"/api/v1/cases/{case_id}", "zhangsan").get_json()
    [material] = [m for m in case["materials"] if m["code"] == "articles_of_association"]
    answer = api.get(material["upload"]["url"], "zhangsan")
    assert answer.status_code == 200
    return answer.data


def _sweep_events(govflow) -> list[AuditEvent]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "unnamed_files_removed"))
        )


def test_an_old_file_no_upload_names_goes_and_the_trail_says_so(api: Api, govflow):  # noqa: ANN001
    case_id = _case(api)
    assert upload(api, case_id, "articles_of_association", "zhangsan").status_code == 201
    named = hashlib.sha256(PDF).hexdigest()
    _age(_folder(govflow, case_id) / named, TWO_DAYS)
    lost = b"bytes of a commit that never came"
    left = _left(govflow, case_id, lost)

    report = upload_sweep.sweep(govflow)

    assert (report.files, report.bytes, report.cases) == (1, len(lost), [case_id])
    assert _stored(govflow, case_id) == {named}
    [event] = _sweep_events(govflow)
    assert event.case_id == case_id
    assert event.details["files"] == [left.name]
    assert event.details["bytes"] == len(lost)
    assert _download(api, case_id) == PDF  # the named file is still there


def test_every_file_a_row_names_stays_however_old_a_superseded_one_too(api: Api, govflow):  # noqa: ANN001
    case_id = _case(api)
    assert upload(api, case_id, "articles_of_association", "zhangsan").status_code == 201
    assert (
        upload(api, case_id, "articles_of_association", "zhangsan", PNG, "b.png").status_code == 201
    )
    both = _stored(govflow, case_id)
    assert len(both) == 2
    for name in both:
        _age(_folder(govflow, case_id) / name, 400 * 24 * 3600)

    report = upload_sweep.sweep(govflow)

    assert report.files == 0
    assert _stored(govflow, case_id) == both
    assert _sweep_events(govflow) == []


def test_an_unnamed_file_younger_than_a_day_stays(api: Api, govflow):  # noqa: ANN001
    case_id = _case(api)
    young = _left(govflow, case_id, b"a command may still commit this", age=3600)

    assert upload_sweep.sweep(govflow).files == 0
    assert young.exists()
    # a shorter minimum age (the CLI's --min-age-hours) takes it
    assert upload_sweep.sweep(govflow, min_age=timedelta(minutes=30)).files == 1
    assert not young.exists()


def test_only_what_uploads_write_is_swept(api: Api, govflow):  # noqa: ANN001
    case_id = _case(api)
    unfinished = _left(govflow, case_id, b"half a write", name=".upload-k3j2h1")
    foreign = [
        _left(govflow, case_id, b"an operator's note", name="README.txt"),
        _left(govflow, case_id, b"not a checksum", name="ABCDEF" * 10 + "ABCD"),
    ]
    stray_folder = govflow.settings.data_dir / "uploads" / "backup"
    stray_folder.mkdir(parents=True)
    stray = stray_folder / hashlib.sha256(b"kept").hexdigest()
    stray.write_bytes(b"kept")
    _age(stray, TWO_DAYS)

    report = upload_sweep.sweep(govflow)

    assert report.files == 1
    assert not unfinished.exists()
    assert all(path.exists() for path in foreign)
    assert stray.exists()


def test_the_folder_of_a_case_number_no_case_has_goes(govflow):  # noqa: ANN001
    left = _left(govflow, 987654, b"from a start that rolled back")

    report = upload_sweep.sweep(govflow)

    assert (report.files, report.cases) == (1, [987654])
    assert not left.exists()
    assert not left.parent.exists()  # the emptied folder too
    [event] = _sweep_events(govflow)
    assert event.case_id is None
    assert event.details["folder"] == "uploads/987654"


def test_an_upload_of_bytes_left_on_disk_names_them_and_they_stay(api: Api, govflow):  # noqa: ANN001
    """Paths are content-addressed: an upload of bytes a killed process left writes
    nothing and names the file there.  The sweep reads the names under the case's lock,
    so it sees the new row and keeps the file."""
    case_id = _case(api)
    left = _left(govflow, case_id, PDF)

    assert upload(api, case_id, "articles_of_association", "zhangsan").status_code == 201
    assert upload_sweep.sweep(govflow).files == 0

    assert left.read_bytes() == PDF
    assert _download(api, case_id) == PDF


def test_the_command_line_sweeps_and_says_how_much(run, api: Api, govflow):  # noqa: ANN001, F811
    case_id = _case(api)
    _left(govflow, case_id, b"twelve bytes")

    assert "0 unnamed files removed" in run("uploads", "sweep", "--min-age-hours", "72").output
    result = run("uploads", "sweep")
    assert result.exit_code == 0
    assert "1 unnamed files removed (12 bytes)" in result.output


def test_the_nightly_run_sweeps_even_when_retention_fails(api: Api, govflow, monkeypatch):  # noqa: ANN001
    from engine import scheduler
    from engine.services import retention

    case_id = _case(api)
    left = _left(govflow, case_id, b"left by a killed process")

    def broken(govflow):  # noqa: ANN001, ANN202
        raise RuntimeError("retention could not run")

    monkeypatch.setattr(retention, "run", broken)
    scheduler.nightly_retention(govflow)

    assert not left.exists()
