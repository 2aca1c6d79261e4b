"""Where the parts may be sent: `CITYLIVE_DASK_ADDRESS` and the TLS settings are checked before
anything connects (a scheduler on another machine only over mutual TLS), and the local
workers listen on 127.0.0.1 over TLS with a certificate of their own."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from citylive import config
from citylive.festival import parse_festival
from citylive.planner import PlanError, plan
from citylive.planner.cluster import DaskTarget, dask_target, local_cluster_kwargs
from tests.planner.test_parts_dask import _festival

FIX = (
    "use a tls:// address and set CITYLIVE_DASK_TLS_CA, CITYLIVE_DASK_TLS_CERT and "
    'CITYLIVE_DASK_TLS_KEY (README, "Running for a whole city")'
)


@pytest.fixture
def pem_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    files = (tmp_path / "ca.pem", tmp_path / "planner.pem", tmp_path / "planner.key")
    for f in files:
        f.write_text("-----BEGIN CERTIFICATE-----\n")
    return files


@pytest.mark.parametrize(
    "address",
    ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tcp://dask:8786", "tcp://0.0.0.0:8786",
     "tcp://[2001:db8::5]:8786", "tcp://127.0.0.1.example.com:8786"],
)  # fmt: skip
def test_plain_tcp_to_another_machine_is_refused(address: str) -> None:
    with pytest.raises(PlanError) as exc:
        dask_target(address, None, None, None)
    assert str(exc.value) == (
        f"CITYLIVE_DASK_ADDRESS={address} would send work in the clear to a Dask scheduler on "
        f"another machine, and whoever reaches its port can run any code on its workers: {FIX}"
    )


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:8786", "127.0.0.2:8786", "tcp://localhost:8786", "tcp://[::1]:8786"],
)
def test_plain_tcp_on_loopback_is_allowed(address: str) -> None:
    assert dask_target(address, None, None, None) == DaskTarget(address, None)


def test_no_address_is_the_local_workers() -> None:
    assert dask_target(None, None, None, None) == DaskTarget(None, None)
    assert dask_target("", None, None, None) == DaskTarget(None, None)


def test_tls_with_the_three_files(pem_files: tuple[Path, Path, Path]) -> None:
    ca, cert, key = pem_files
    assert dask_target("tls://10.0.0.5:8786", ca, cert, key) == DaskTarget(
        "tls://10.0.0.5:8786", (ca, cert, key)
    )


def test_tls_without_its_settings_names_each_missing(pem_files: tuple[Path, Path, Path]) -> None:
    ca, _cert, key = pem_files
    with pytest.raises(PlanError) as exc:
        dask_target("tls://10.0.0.5:8786", None, None, None)
    assert str(exc.value) == (
        "CITYLIVE_DASK_ADDRESS=tls://10.0.0.5:8786 needs the Dask cluster's CA and this "
        "planner's certificate and key signed by it: set CITYLIVE_DASK_TLS_CA and "
        "CITYLIVE_DASK_TLS_CERT and CITYLIVE_DASK_TLS_KEY"
    )
    with pytest.raises(PlanError) as exc:
        dask_target("tls://10.0.0.5:8786", ca, None, key)
    assert str(exc.value) == (
        "CITYLIVE_DASK_ADDRESS=tls://10.0.0.5:8786 needs the Dask cluster's CA and this "
        "planner's certificate and key signed by it: set CITYLIVE_DASK_TLS_CERT"
    )


def test_tls_with_a_file_that_is_not_there(pem_files: tuple[Path, Path, Path]) -> None:
    ca, cert, key = pem_files
    key.unlink()
    with pytest.raises(PlanError) as exc:
        dask_target("tls://127.0.0.1:8786", ca, cert, key)
    assert str(exc.value) == (
        f"CITYLIVE_DASK_ADDRESS=tls://127.0.0.1:8786: no such file: CITYLIVE_DASK_TLS_KEY={key}"
    )


def test_other_schemes_and_tcp_with_tls_settings_are_refused(
    pem_files: tuple[Path, Path, Path],
) -> None:
    ca, cert, key = pem_files
    with pytest.raises(PlanError) as exc:
        dask_target("ws://10.0.0.5:8786", ca, cert, key)
    assert str(exc.value) == (
        "CITYLIVE_DASK_ADDRESS=ws://10.0.0.5:8786: the planner reaches a Dask scheduler by "
        f"tls:// only; {FIX}"
    )
    with pytest.raises(PlanError) as exc:
        dask_target("tcp://127.0.0.1:8786", ca, None, None)
    assert str(exc.value) == (
        "CITYLIVE_DASK_ADDRESS=tcp://127.0.0.1:8786 is plain tcp:// but CITYLIVE_DASK_TLS_CA "
        f"set: {FIX}"
    )


def test_plan_refuses_before_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the settings: the plan stops at once, nothing planned, nothing connected."""
    monkeypatch.setenv("CITYLIVE_DASK_ADDRESS", "tcp://10.0.0.5:8786")
    config.get_settings.cache_clear()
    stages: list[str] = []
    try:
        with pytest.raises(PlanError, match="^CITYLIVE_DASK_ADDRESS=tcp://10.0.0.5:8786 would"):
            plan(parse_festival(_festival()), time_limit=20.0, parts=True,
                 progress=lambda p: stages.append(p.stage))  # fmt: skip
    finally:
        config.get_settings.cache_clear()
    assert stages == []


def _refused_without_certificate(address: str, cadata: str) -> str:
    """The TLS alert the server at `address` answers a client that trusts it (`cadata`) but
    shows no certificate of its own."""
    host, port = address.removeprefix("tls://").rsplit(":", 1)
    ctx = ssl.create_default_context(cadata=cadata)
    ctx.check_hostname = False
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with ctx.wrap_socket(raw) as tls:
            with pytest.raises(ssl.SSLError) as exc:
                tls.recv(1)
    return str(exc.value.reason)


def test_local_workers_listen_on_loopback_over_tls_of_their_own() -> None:
    from distributed import Client, LocalCluster

    kwargs = local_cluster_kwargs(1)
    security = kwargs["security"]
    with LocalCluster(**kwargs) as cluster, Client(cluster) as client:
        assert client.submit(sum, [1, 2]).result(timeout=30) == 3
        addresses = [cluster.scheduler_address, *client.scheduler_info()["workers"]]
        assert len(addresses) == 2
        assert all(a.startswith("tls://127.0.0.1:") for a in addresses)
        reason = _refused_without_certificate(cluster.scheduler_address, security.tls_ca_file)
        assert reason == "TLSV13_ALERT_CERTIFICATE_REQUIRED"
