"""The Dask cluster over mutual TLS, as README's "Running for a whole city" sets it up: a CA of
the cluster's own, a `dask scheduler` and two `dask worker`s started with `--tls-ca-file
--tls-cert --tls-key` on loopback, the planner reaching it through CITYLIVE_DASK_ADDRESS=tls://
and CITYLIVE_DASK_TLS_CA/_CERT/_KEY.  The scheduler answers no one without a certificate of
that CA.

Run alone with `pytest -m scaleout tests/planner/test_parts_dask_tls.py`."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from citylive.festival import parse_festival
from citylive.schedule.checker import check_schedule
from tests.planner.test_parts_dask import (
    BIN,
    _festival,
    assert_planned_in_parts,
    running_cluster,
)

pytestmark = [pytest.mark.scaleout, pytest.mark.xdist_group("scaleout")]

Issuer = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificate(
    cn: str, key: ec.EllipticCurvePrivateKey, issuer: Issuer | None
) -> x509.Certificate:
    """A certificate for `key` signed by `issuer` (none: a self-signed CA)."""
    now = dt.datetime.now(dt.UTC)
    signer_name, signer_key = (issuer[0].subject, issuer[1]) if issuer else (_name(cn), key)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(signer_key, hashes.SHA256())
    )


def _write(folder: Path, cn: str, issuer: Issuer | None) -> tuple[Issuer, Path, Path]:
    """A new key and its certificate as `cn.pem` and `cn.key` in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(cn, key, issuer)
    (folder / f"{cn}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{cn}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / f"{cn}.key").chmod(0o600)
    return (cert, key), folder / f"{cn}.pem", folder / f"{cn}.key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cluster's CA with certificates for the scheduler, the workers and the planner, and
    a stranger's CA with a certificate of its own."""
    folder = tmp_path_factory.mktemp("dask-pki")
    ca, _, _ = _write(folder, "ca", None)
    for cn in ("scheduler", "worker", "planner"):
        _write(folder, cn, ca)
    stranger_ca, _, _ = _write(folder, "stranger-ca", None)
    _write(folder, "stranger", stranger_ca)
    return folder


@pytest.fixture(scope="module")
def tls_cluster(prefect_server: str, pki: Path) -> Iterator[str]:
    """One scheduler and two workers over mutual TLS on loopback, for the whole module."""
    from distributed.security import Security

    def flags(role: str) -> tuple[str, ...]:
        return ("--tls-ca-file", str(pki / "ca.pem"), "--tls-cert", str(pki / f"{role}.pem"),
                "--tls-key", str(pki / f"{role}.key"))  # fmt: skip

    security = Security(
        tls_ca_file=str(pki / "ca.pem"),
        tls_client_cert=str(pki / "planner.pem"),
        tls_client_key=str(pki / "planner.key"),
        require_encryption=True,
    )
    with running_cluster(prefect_server, flags("scheduler"), flags("worker"), security) as a:
        yield a


def test_plan_in_parts_over_mutual_tls(
    tls_cluster: str, pki: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_cluster.startswith("tls://127.0.0.1:")
    assert_planned_in_parts(
        monkeypatch,
        {
            "CITYLIVE_DASK_ADDRESS": tls_cluster,
            "CITYLIVE_DASK_TLS_CA": str(pki / "ca.pem"),
            "CITYLIVE_DASK_TLS_CERT": str(pki / "planner.pem"),
            "CITYLIVE_DASK_TLS_KEY": str(pki / "planner.key"),
        },
    )


def _answer(address: str, ca: Path, cert: Path | None = None, key: Path | None = None) -> str:
    """What the server at `address` answers a TLS client that trusts `ca` and shows `cert`
    (none: no certificate): the reason of the alert that ends the connection."""
    host, port = address.removeprefix("tls://").rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.check_hostname = False
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with ctx.wrap_socket(raw) as tls:
            with pytest.raises(ssl.SSLError) as exc:
                tls.recv(1)
    return str(exc.value.reason)


def test_scheduler_refuses_a_client_without_a_certificate(tls_cluster: str, pki: Path) -> None:
    assert _answer(tls_cluster, pki / "ca.pem") == "TLSV13_ALERT_CERTIFICATE_REQUIRED"


def test_scheduler_refuses_a_certificate_of_another_ca(tls_cluster: str, pki: Path) -> None:
    answer = _answer(tls_cluster, pki / "ca.pem", pki / "stranger.pem", pki / "stranger.key")
    assert answer == "TLSV1_ALERT_UNKNOWN_CA"


def test_scheduler_drops_a_plain_tcp_client(tls_cluster: str) -> None:
    """The port speaks TLS only: the scheduler drops Dask's plain-tcp client."""
    from distributed import Client

    plain = tls_cluster.replace("tls://", "tcp://")
    with pytest.raises(OSError) as exc:
        Client(plain, timeout=10)
    assert str(exc.value).endswith(
        f"remote={plain}>: ConnectionResetError: [Errno 104] Connection reset by peer"
    )


def test_plan_in_parts_on_local_workers(
    prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No address: two local worker processes, on loopback over TLS of their own."""
    monkeypatch.delenv("CITYLIVE_DASK_ADDRESS", raising=False)
    assert_planned_in_parts(monkeypatch, {})


def test_plan_command_plans_in_parts_with_its_live_line(
    prefect_server: str, tmp_path: Path
) -> None:
    """`citylive plan` with its live line (a rich status, whose lock cannot be pickled) plans
    in parts on two local workers: nothing of the command reaches the workers but the parts."""
    festival = tmp_path / "festival.json"
    festival.write_text(json.dumps(_festival()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYLIVE_")}
    env |= {"PREFECT_API_URL": prefect_server, "CITYLIVE_PLAN_PARTS_ABOVE": "0", "COLUMNS": "200"}
    env["CITYLIVE_DATA_DIR"] = str(tmp_path / "data")
    out = tmp_path / "schedule.json"
    run = subprocess.run(
        [str(BIN / "citylive"), "plan", str(festival), "--out", str(out), "--workers", "2",
         "--time-limit", "20"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Could not serialize" not in run.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert check_schedule(parse_festival(_festival()), doc) == []
    assert (doc["stats"]["placed_by"], sorted(doc["stats"]["parts"])) == ("parts", ["d1", "d2"])
    assert (doc["stats"]["placed"], doc["stats"]["requested"]) == (24, 24)
