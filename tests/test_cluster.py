"""The local Dask cluster of ``--backend dask`` is locked down: TLS with this run's
own credentials, and no HTTP port (any local user can reach 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("cryptography")
psutil = pytest.importorskip("psutil")

from distributed import Client  # noqa: E402
from distributed.security import Security  # noqa: E402

from simsales.runner.dask_cluster import local_cluster  # noqa: E402


def _listening() -> set[tuple[int, int]]:
    """(pid, port) of every TCP port listened on by this process and its children."""
    found = set()
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        conns = getattr(proc, "net_connections", proc.connections)(kind="tcp")
        found |= {(proc.pid, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN}
    return found


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Any, set[tuple[int, int]]]]:
    before = _listening()
    with local_cluster(2) as c, Client(c) as client:
        client.wait_for_workers(2, timeout=30)
        yield c, _listening() - before


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def test_the_cluster_runs_code_for_its_own_client(cluster):
    c, _ = cluster
    assert c.scheduler_address.startswith("tls://127.0.0.1:")
    with Client(c) as client:  # the cluster's own credentials
        assert client.submit(sum, [1, 2, 3]).result(timeout=30) == 6


def test_a_client_without_credentials_cannot_connect(cluster):
    c, _ = cluster
    plain = c.scheduler_address.replace("tls://", "tcp://")
    with pytest.raises((OSError, TimeoutError)):
        Client(plain, timeout=5)


def test_a_client_with_other_credentials_cannot_connect(cluster):
    c, _ = cluster
    with pytest.raises((OSError, TimeoutError)):
        Client(c.scheduler_address, security=Security.temporary(), timeout=5)


def test_workers_refuse_a_client_without_credentials(cluster):
    c, _ = cluster
    with Client(c) as client:
        workers = list(client.scheduler_info()["workers"])
    assert workers and all(w.startswith("tls://127.0.0.1:") for w in workers)
    from distributed.core import rpc

    async def call(address: str) -> Any:
        async with rpc(address.replace("tls://", "tcp://"), timeout=5) as r:
            return await r.identity()

    for w in workers:
        with pytest.raises((OSError, TimeoutError)):
            distributed.utils.sync(c.loop, call, w)


def test_no_http_port_is_open(cluster):
    # every port the cluster listens on is one of its TLS comm ports: no
    # dashboard, metrics or health endpoint (the scheduler's default is 8787)
    c, opened = cluster
    with Client(c) as client:
        comm = {_port(c.scheduler_address)} | {_port(a) for a in client.scheduler_info()["workers"]}
    comm |= {_port(n.address) for n in c.workers.values()}  # the nannies
    ports = {port for _, port in opened}
    assert ports, "the cluster's ports were not seen"
    assert ports <= comm, f"ports besides the TLS comm ports: {sorted(ports - comm)}"
    assert 8787 not in ports
