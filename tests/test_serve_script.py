"""`make run` (scripts/serve) keeps the scheduler running: killed, it is started again, as
systemd's Restart=always would; stopping the server stops the scheduler too, with no
orphan left firing timers.

`govflow` and `gunicorn` are stand-ins on PATH here: what is tested is the script's
supervision, not the programs it starts."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited: only its parent has not reaped it yet
    return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def _wait_for(condition, timeout: float = 30.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_killed_scheduler_is_started_again_and_stopped_with_the_server(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "schedulers"
    _executable(
        bin_dir / "govflow",
        f'#!/bin/sh\nif [ "$1" = scheduler ]; then echo $$ >> {started}; exec sleep 600; fi\n',
    )
    _executable(bin_dir / "gunicorn", "#!/bin/sh\nexec sleep 600\n")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GOVFLOW_DATA_DIR": str(tmp_path / "data"),
        "SEED": "never",
        "PORT": "0",
    }
    env.pop("GOVFLOW_DATABASE_URL", None)
    serve = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def schedulers() -> list[int]:
        return [int(line) for line in started.read_text().split()] if started.exists() else []

    try:
        assert _wait_for(lambda: len(schedulers()) == 1)
        (first,) = schedulers()
        os.kill(first, signal.SIGKILL)
        assert _wait_for(lambda: len(schedulers()) == 2), "the scheduler was not started again"
        second = schedulers()[1]
        assert _alive(second) and not _alive(first)
        assert serve.poll() is None, "the server stopped with its scheduler"

        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        assert _wait_for(lambda: not _alive(second), timeout=10), "the scheduler outlived serve"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    output = serve.stdout.read().decode()
    assert "govflow scheduler exited (status 137); starting it again in 2 s" in output, output
