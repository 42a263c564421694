"""A gunicorn configuration for the benchmarks.

- Each worker, once it has loaded the app, leaves a file named by its pid in
  ``$BENCH_READY_DIR``; ``servers.gunicorn`` waits for one per worker before it hands the
  server over.  An answer from the server says only that *a* worker is up; a load that
  starts while another is still importing the app sends every kept-alive connection to
  the first, and two workers are measured as one.
- Each answer names the worker that gave it (``X-Bench-Worker``), so the load's clients
  can spread their kept-alive connections evenly over the workers, as a load balancer in
  front of them would (``http_load.Client.balance``).
"""

from __future__ import annotations

import os
from pathlib import Path

WORKER_HEADER = "X-Bench-Worker"


def post_worker_init(worker) -> None:  # noqa: ANN001
    app, pid = worker.wsgi, str(worker.pid)

    def named(environ, start_response):  # noqa: ANN001, ANN202
        def start(status, headers, exc_info=None):  # noqa: ANN001, ANN202
            return start_response(status, [*headers, (WORKER_HEADER, pid)], exc_info)

        return app(environ, start)

    worker.wsgi = named
    Path(os.environ["BENCH_READY_DIR"], pid).touch()
