"""The fetcher lease on a real PostgreSQL: one holder, a standby, and a holder killed with
``kill -9`` whose lease the standby takes at its next try."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from services.fetcher.lease import PostgresLease

HOLD = """
import sys, time
from services.fetcher.lease import PostgresLease
lease = PostgresLease(sys.argv[1], replica="child")
assert lease.ensure()
print("holding", flush=True)
time.sleep(120)
"""


def test_one_replica_holds_the_lease_and_the_standby_gets_it_when_it_goes(postgres_url: str) -> None:
    first, second = PostgresLease(postgres_url, replica="a"), PostgresLease(postgres_url, replica="b")
    try:
        assert (True, False) == (first.ensure(), second.ensure())
        assert (True, False) == (first.ensure(), second.ensure())  # kept, not flapping
        assert {"replica": "b", "active": False} == {k: second.detail()[k] for k in ("replica", "active")}
        first.release()  # SIGTERM: the holder gives it up
        assert second.ensure()
        assert not first.ensure()
    finally:
        first.release()
        second.release()


def test_a_holder_killed_with_sigkill_loses_the_lease_at_once(postgres_url: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", HOLD, postgres_url], stdout=subprocess.PIPE, text=True)
    standby = PostgresLease(postgres_url, replica="standby")
    try:
        assert child.stdout is not None
        assert "holding" in [child.stdout.readline().strip() for _ in range(2)]  # after its log line
        assert not standby.ensure()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        killed = time.monotonic()
        taken = False
        for _ in range(100):  # bounded: 10 s
            if standby.ensure():
                taken = True
                break
            time.sleep(0.1)
        took = time.monotonic() - killed
        print(f"lease taken over {took:.2f} s after kill -9")
        assert taken
    finally:
        child.kill()
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
        standby.release()
