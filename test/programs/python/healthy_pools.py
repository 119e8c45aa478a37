"""Healthy: one engine per process, used correctly. A steady QueuePool(5)
served by 4 threads, and a bursty QueuePool(5, 10) that goes to 15
connections for a few seconds every PERIOD seconds and back (overflow
connections are closed as they come back), and LISTEN connections held on
purpose. Nothing here is a leak."""
import threading
import time

import psycopg2
from sqlalchemy import create_engine, text

from common import APP, DSN, DURATION, concurrently, number

PERIOD = number("PERIOD", 8)
URL = DSN.replace("postgres://", "postgresql+psycopg2://", 1)


def steady():
    engine = create_engine(URL, pool_size=5, max_overflow=0, connect_args={"application_name": f"{APP}-steady"})

    def serve():
        deadline = time.monotonic() + DURATION
        while time.monotonic() < deadline:
            with engine.begin() as conn:
                conn.execute(text("SELECT count(*) FROM pg_class"))
            time.sleep(0.05)

    concurrently(4, serve)
    engine.dispose()


def bursty():
    engine = create_engine(URL, pool_size=5, max_overflow=10, connect_args={"application_name": f"{APP}-bursty"})

    def request(hold):
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(:s)"), {"s": hold})

    deadline = time.monotonic() + DURATION
    next_burst = time.monotonic() + 1
    while time.monotonic() < deadline:
        if time.monotonic() >= next_burst:
            concurrently(15, request, 2.0)
            next_burst += PERIOD
        else:
            concurrently(3, request, 0.02)
        time.sleep(0.2)
    engine.dispose()


def listener():
    conns = []
    for channel in ("orders", "invoices", "cache_invalidation"):
        conn = psycopg2.connect(DSN, application_name=f"{APP}-listener")
        conn.autocommit = True
        conn.cursor().execute(f"LISTEN {channel}")
        conns.append(conn)
    time.sleep(DURATION)
    for conn in conns:
        conn.close()


if __name__ == "__main__":
    threads = [threading.Thread(target=f) for f in (steady, bursty, listener)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
