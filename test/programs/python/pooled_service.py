"""Healthy behind PgBouncer (transaction mode): one module-level engine with
a QueuePool, WORKERS threads doing short transactions every PERIOD seconds,
with a burst of BURST concurrent requests every BURST_EVERY seconds. Its
clients at the pooler are its pool's few, reused; nothing piles up."""
import random
import threading
import time

from sqlalchemy import create_engine, text

from common import APP, DSN, DURATION, concurrently, number

PERIOD = number("PERIOD", 0.2)
WORKERS = int(number("WORKERS", 4))
BURST = int(number("BURST", 8))
BURST_EVERY = number("BURST_EVERY", 5)

# Transaction mode: no server-side prepared statements or session state, so psycopg2's defaults are fine.
engine = create_engine(DSN.replace("postgres://", "postgresql+psycopg2://", 1), connect_args={"application_name": APP}, pool_size=5, max_overflow=5)


def request(hold):
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_sleep(:hold)"), {"hold": hold})


def worker(seed, until):
    rng = random.Random(seed)
    while time.monotonic() < until:
        request(rng.uniform(0.005, 0.05))
        time.sleep(rng.uniform(PERIOD / 2, PERIOD * 1.5))


if __name__ == "__main__":
    until = time.monotonic() + DURATION
    threads = [threading.Thread(target=worker, args=(seed, until)) for seed in range(WORKERS)]
    for t in threads:
        t.start()
    while time.monotonic() + BURST_EVERY < until:
        time.sleep(BURST_EVERY)
        concurrently(BURST, request, 0.2)
    for t in threads:
        t.join()
    engine.dispose()
