# SPDX-License-Identifier: MIT
"""Fixtures for the recd integration tests.

Owns: the `fake_provider(**knobs)` and `recd(provider, **flags)` factories.
Invariant: every process a test starts is stopped by PID (SIGTERM, then
SIGKILL after 10 s) and its temp dir deleted when the test ends; logs are
printed when the test failed, and sanitizer reports in recd's log fail it.
Threads: fixtures run on pytest's main thread only.

Binaries: RECD_BIN (default <repo>/build/recd), FAKE_PROVIDER_BIN
(default <repo>/build/fake-provider). Set RECD_KEEP_TMP=1 to keep temp dirs.
"""
import os
import resource
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402
from helpers import FakeProvider, Recd, make_tmpdir, rmtree  # noqa: E402


def _raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


_raise_fd_limit()


def pytest_configure(config):
    for name, path in (("RECD_BIN", helpers.RECD_BIN),
                       ("FAKE_PROVIDER_BIN", helpers.FAKE_PROVIDER_BIN)):
        if not os.access(path, os.X_OK):
            print("warning: %s=%s is not executable" % (name, path), file=sys.stderr)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return False


@pytest.fixture
def fake_provider(request):
    """Factory: fake_provider(latency_ms=…, rate=…, fail_first=…, truncate=True…)."""
    made = []

    def make(**knobs):
        tmp = make_tmpdir("fp")
        fp = FakeProvider(tmp, knobs)
        made.append((fp, tmp))
        return fp.start()

    yield make
    failed = _failed(request)
    for fp, tmp in made:
        fp.stop()
        if failed:
            print("\n==== fake-provider log (%s)\n%s" % (fp.knobs, fp.log()[-8000:]))
        rmtree(tmp)


@pytest.fixture
def recd(request):
    """Factory: recd(provider, workers=…, max_attempts=…, start=True, …).
    Flags are serve options with '_' for '-'; None drops a default flag."""
    made = []

    def make(provider=None, start=True, **flags):
        tmp = make_tmpdir("recd")
        r = Recd(tmp, provider, flags)
        made.append((r, tmp))
        return r.start() if start else r

    yield make
    failed = _failed(request)
    problems = []
    for r, tmp in made:
        r.stop()
        bad = r.sanitizer_reports() + ["exit status %s" % rc for rc in r.bad_exits()]
        problems += bad
        if failed or bad:
            print("\n==== recd logs (exit codes %s)\n%s" % (r.exit_codes, r.log()))
        rmtree(tmp)
    # A clean shutdown on SIGTERM and no sanitizer report, in every test.
    assert not problems, "recd: %s" % problems


@pytest.fixture
def tmp_dir():
    """A private temp dir, deleted afterwards."""
    d = make_tmpdir("t")
    yield d
    rmtree(d)
