# SPDX-License-Identifier: MIT
"""The container recipe (issue 15 item 4), checked without a container
engine (there is none on the machines this runs on, so the image build
itself is untested here; the package it installs is tested end to end by
scripts/test-deb). What is checked: the Dockerfile is multi-stage on Debian
bookworm, installs the .deb that `make deb` builds (the same binary) and
runs as the unprivileged recd user; deploy/compose.yaml has PostgreSQL,
Redis, two `recd serve` and one `recd worker` sharing one cache volume;
every RECD_* variable it sets is a real option and every command line it
gives is accepted by recd.
"""
import re
from pathlib import Path

import pytest

from helpers import REPO, run_cli

yaml = pytest.importorskip("yaml")


def _stages():
    text = (REPO / "Dockerfile").read_text()
    return text, re.findall(r"^FROM\s+(\S+)", text, flags=re.M)


def test_dockerfile_multistage_bookworm_non_root_same_binary():
    text, froms = _stages()
    assert len(froms) >= 2, froms
    assert all(f.startswith("debian:bookworm") for f in froms), froms
    assert "make deb" in text
    last = text[text.rindex("\nFROM "):]
    assert "COPY --from=build" in last and ".deb" in last, last
    users = re.findall(r"^USER\s+(\S+)", last, flags=re.M)
    assert users and users[-1] not in ("root", "0"), users
    assert re.search(r'^ENTRYPOINT \["/usr/bin/recd"\]', last, flags=re.M), last


def _compose():
    return yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())


def _recd_services(doc):
    return {name: s for name, s in doc["services"].items() if "build" in s or s.get("image", "").startswith("recd")}


def test_compose_services_and_shared_volume():
    doc = _compose()
    images = {name: s.get("image", "") for name, s in doc["services"].items()}
    assert any(i.startswith("postgres") for i in images.values()), images
    assert any(i.startswith("redis") for i in images.values()), images
    recd = _recd_services(doc)
    commands = [s["command"][0] for s in recd.values()]
    assert commands.count("serve") == 2 and commands.count("worker") == 1, commands
    mounts = {name: [v.split(":")[0] for v in s.get("volumes", [])] for name, s in recd.items()}
    shared = set.intersection(*(set(m) for m in mounts.values()))
    assert shared and all(v in doc["volumes"] for v in shared), mounts
    for s in recd.values():
        assert s["environment"]["RECD_DB"].startswith("postgres://"), s["environment"]


def _option_names():
    p = run_cli(["config", "--print", "--config", ""])
    assert p.returncode == 0, p
    return set(re.findall(r"^#? ?([a-z0-9-]+)(?: = | is not set)", p.stdout, flags=re.M))


def test_compose_environment_and_commands_are_valid():
    names = _option_names()
    for name, s in _recd_services(_compose()).items():
        for var in s["environment"]:
            opt = var[len("RECD_"):].lower().replace("_", "-")
            secret = re.sub(r"-file$", "", opt)  # RECD_<SECRET>_FILE
            assert var.startswith("RECD_") and (opt in names or secret in names), (name, var)
        # Every flag the service gives is one its command accepts.
        p = run_cli(list(s["command"]) + ["--help"])
        assert p.returncode == 0, (name, p)
