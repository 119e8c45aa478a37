"""F5: a threaded service using a SQLAlchemy scoped_session that is never
removed. Each request runs in a new thread (as a threaded WSGI server does),
queries through the thread's session and never calls Session.remove(), so
its connection stays checked out, idle in transaction, until the pool is
exhausted. Requests come at RATE per second."""
import threading

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

from common import APP, DSN, DURATION, number, run_for

engine = create_engine(
    DSN.replace("postgres://", "postgresql+psycopg2://", 1),
    pool_size=5, max_overflow=10, pool_timeout=2,
    connect_args={"application_name": APP},
)
Session = scoped_session(sessionmaker(bind=engine))
app = Flask(__name__)
parked = []


@app.get("/cart")
def cart():
    count = Session.execute(text("SELECT count(*) FROM pg_class")).scalar()
    return {"count": count}
    # no @app.teardown_appcontext calling Session.remove()


def request():
    def handle():
        app.test_client().get("/cart")
        parked.append(threading.current_thread())
        threading.Event().wait()  # the worker thread lives on, and its session with it

    threading.Thread(target=handle, daemon=True).start()


if __name__ == "__main__":
    run_for(DURATION, 1 / number("RATE", 3), request)
