"""F7: WORKERS processes (as gunicorn would fork), each with its own correct
QueuePool(5, 10). Every PERIOD seconds each worker gets a burst of 15
concurrent requests holding a connection HOLD seconds; between bursts a
trickle of requests. Together they can ask for WORKERS x 15 connections, more
than a small server has, so bursts are refused; nothing leaks."""
import multiprocessing
import time

from sqlalchemy import create_engine, text

from common import APP, DSN, DURATION, concurrently, number

WORKERS = int(number("WORKERS", 4))
PERIOD = number("PERIOD", 10)
HOLD = number("HOLD", 1.5)


def worker(index):
    engine = create_engine(
        DSN.replace("postgres://", "postgresql+psycopg2://", 1),
        pool_size=5, max_overflow=10, pool_timeout=3,
        connect_args={"application_name": APP},
    )

    def request(hold):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_sleep(:s)"), {"s": hold})
        except Exception:
            pass  # refused by the server or timed out in the pool: the request fails, the pool is fine

    deadline = time.monotonic() + DURATION
    next_burst = time.monotonic() + index * 0.2
    while time.monotonic() < deadline:
        if time.monotonic() >= next_burst:
            concurrently(15, request, HOLD)
            next_burst += PERIOD
        else:
            concurrently(5, request, 0.01)
            time.sleep(0.3)
    engine.dispose()


if __name__ == "__main__":
    processes = [multiprocessing.Process(target=worker, args=(i,)) for i in range(WORKERS)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
