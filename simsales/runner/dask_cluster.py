"""The local Dask cluster of ``--backend dask``: locked down to this run.

Any local process (another user's too) can reach a port on 127.0.0.1, and a
Dask scheduler or worker runs whatever code a connected client sends it. So
the cluster started for a run

- talks TLS only, with a certificate authority made for this run and kept in
  memory (:meth:`distributed.security.Security.temporary`): a client without
  this run's credentials cannot connect, plain ``tcp://`` or TLS alike;
- opens no HTTP port: the scheduler and the workers normally serve a dashboard
  and metrics over plain HTTP (on 8787 and random ports) even when the
  dashboard is off; here those servers are never started.

Importing this module imports ``distributed``: only the dask backend does.
"""

from __future__ import annotations

import logging
from typing import Any

from distributed import Nanny, Scheduler, SpecCluster, Worker
from distributed.http.routing import RoutingApplication
from distributed.security import Security
from tornado.httpserver import HTTPServer

__all__ = ["QuietScheduler", "QuietWorker", "local_cluster"]

HOST = "127.0.0.1"


def _no_http(node: Scheduler | Worker, routes: Any) -> None:
    # what start_http_server sets up, without listening on any port
    node.http_application = RoutingApplication(routes)
    node.http_server = HTTPServer(node.http_application)


class QuietScheduler(Scheduler):  # type: ignore[misc]
    """A scheduler that serves no HTTP (no dashboard, metrics or health routes)."""

    def start_http_server(self, routes: Any, *args: Any, **kwargs: Any) -> None:
        """Set up the HTTP application without listening."""
        _no_http(self, routes)


class QuietWorker(Worker):  # type: ignore[misc]
    """A worker that serves no HTTP (no dashboard, metrics or health routes)."""

    def start_http_server(self, routes: Any, *args: Any, **kwargs: Any) -> None:
        """Set up the HTTP application without listening."""
        _no_http(self, routes)


def local_cluster(workers: int, security: Security | None = None) -> SpecCluster:
    """Start a cluster of ``workers`` single-threaded worker processes on 127.0.0.1.

    Parameters
    ----------
    workers : int
        Worker processes, one thread each.
    security : Security, optional
        TLS credentials; default new ones for this cluster only
        (``Security.temporary()``, which needs the ``cryptography`` package).

    Returns
    -------
    SpecCluster
        Running; ``Client(cluster)`` connects with its credentials
        (``cluster.security``). Close it when done.
    """
    security = security or Security.temporary()
    common = {"host": HOST, "protocol": "tls://", "security": security}
    scheduler = {
        "cls": QuietScheduler,
        "options": {**common, "port": 0, "dashboard": False, "dashboard_address": None},
    }
    worker = {
        "cls": Nanny,
        "options": {
            **common, "nthreads": 1, "worker_class": QuietWorker, "dashboard": False,
            "dashboard_address": None, "silence_logs": logging.WARN,
        },
    }  # fmt: skip
    return SpecCluster(
        scheduler=scheduler,
        workers={k: worker for k in range(workers)},
        worker=worker,
        security=security,
        silence_logs=logging.WARN,
    )
