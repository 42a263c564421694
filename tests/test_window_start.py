"""代办 is one command (engine.services.window): when any part of starting the case with
the documents brought fails — a document the matter does not list, a file that cannot be
written, the database refusing at the end — no case, task, deadline, audit event or upload
row is left, and no file either."""

from __future__ import annotations

import io

import pytest

from engine import stored_files
from engine.demo import ZHANGSAN_ID
from engine.errors import NotFound
from engine.services import uploads, window
from tests.shared_data_support import JPEG, PDF
from tests.support import business_application
from tests.test_pages import _actor
from tests.test_window_pages import WINDOW, _files, _rows


def _start(govflow, documents: dict[str, bytes]) -> int:  # noqa: ANN001
    incoming = {
        code: uploads.read_upload(govflow, f"{code}.bin", io.BytesIO(content))
        for code, content in documents.items()
    }
    return window.start_with_documents(
        govflow,
        _actor(govflow, WINDOW),
        "business_startup",
        {"name": "张三", "id_number": ZHANGSAN_ID},
        business_application(),
        "zh",
        division=None,
        documents=incoming,
    )


def test_the_case_starts_with_its_documents_kept_on_disk(app, govflow):  # noqa: ANN001
    before = _rows(govflow)
    case_id = _start(govflow, {"articles_of_association": PDF, "lease_contract": JPEG})
    after = _rows(govflow)
    assert after["cases"] == before["cases"] + 1
    assert after["material_uploads"] == before["material_uploads"] + 2
    folder = govflow.settings.data_dir / "uploads" / str(case_id)
    assert sorted(path.read_bytes() for path in folder.iterdir()) == sorted([PDF, JPEG])


def test_a_material_the_matter_does_not_list_starts_nothing(app, govflow):  # noqa: ANN001
    before = _rows(govflow)
    with pytest.raises(NotFound):
        _start(govflow, {"articles_of_association": PDF, "no_such_material": JPEG})
    assert _rows(govflow) == before
    assert _files(govflow) == []


def test_a_file_that_cannot_be_written_leaves_no_file(app, govflow, monkeypatch):  # noqa: ANN001
    write = stored_files._write_atomically
    calls = []

    def disk_full_on_the_second(path, content):  # noqa: ANN001, ANN202
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        write(path, content)

    monkeypatch.setattr(stored_files, "_write_atomically", disk_full_on_the_second)
    before = _rows(govflow)
    with pytest.raises(OSError, match="No space"):
        _start(govflow, {"articles_of_association": PDF, "lease_contract": JPEG})
    assert len(calls) == 2  # the first file was written before the second failed
    assert _rows(govflow) == before
    assert _files(govflow) == []


def test_a_refusal_after_the_files_are_written_removes_them(app, govflow, monkeypatch):  # noqa: ANN001
    def refuses(session, case, definition):  # noqa: ANN001, ANN202
        raise RuntimeError("the database refuses the commit")

    # The last thing the command does in its transaction: the statistics' observers.
    monkeypatch.setattr(govflow, "case_observers", (*govflow.case_observers, refuses))
    before = _rows(govflow)
    with pytest.raises(RuntimeError, match="refuses"):
        _start(govflow, {"articles_of_association": PDF, "lease_contract": JPEG})
    assert _rows(govflow) == before
    assert _files(govflow) == []
