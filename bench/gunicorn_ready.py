"""A gunicorn configuration for the benchmarks: each worker, once it has loaded the app,
leaves a file named by its pid in ``$BENCH_READY_DIR``.

``servers.gunicorn`` waits for one per worker before it hands the server over.  An answer
from the server says only that *a* worker is up; a load that starts while another is still
importing the app sends every kept-alive connection to the first, and two workers are
measured as one.
"""

from __future__ import annotations

import os
from pathlib import Path


def post_worker_init(worker) -> None:  # noqa: ANN001
    Path(os.environ["BENCH_READY_DIR"], str(worker.pid)).touch()
