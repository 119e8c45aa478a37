"""F10: a report service that creates an engine per call, kept alive by an
lru_cache whose key changes every call (it includes the report's date
range), so no engine is ever dropped: each call leaves one more pooled
connection open. Each call runs on a thread of its own, as a web server's
requests do. Through PgBouncer in session mode each of those connections
is a client holding a server; the server sees only the pooler's pool, flat,
while the pooler's clients climb, wait, and then are refused. One call
every PERIOD seconds."""
import functools
import threading
import time

from sqlalchemy import create_engine, text

from common import APP, DSN, DURATION, number, run_for

PERIOD = number("PERIOD", 0.7)


@functools.lru_cache(maxsize=None)
def engine_for(report, since):
    # The bug: `since` changes every call, so every call builds (and the cache keeps) a new engine.
    return create_engine(DSN.replace("postgres://", "postgresql+psycopg2://", 1), connect_args={"application_name": APP})


def monthly_report():
    engine = engine_for("monthly", time.time())
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM pg_class")).scalar()


def handle_request():
    try:
        monthly_report()
    except Exception as error:  # refused by the pooler once it is full: the service goes on
        print(f"{APP}: {type(error).__name__}: {str(error).strip().splitlines()[0]}", flush=True)


if __name__ == "__main__":
    run_for(DURATION, PERIOD, lambda: threading.Thread(target=handle_request, daemon=True).start())
