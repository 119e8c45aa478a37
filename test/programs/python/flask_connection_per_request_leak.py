"""F2: a Flask app that opens a psycopg2 connection per request and never
closes it. The connections are kept in a module-level list ("for later
reuse"), so nothing ever closes them. Requests come at RATE per second."""
import psycopg2
from flask import Flask

from common import APP, DSN, DURATION, number, run_for

app = Flask(__name__)
opened = []


@app.get("/orders")
def orders():
    conn = psycopg2.connect(DSN, application_name=APP)
    opened.append(conn)  # the bug: kept, never closed
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_class")
        (count,) = cur.fetchone()
    conn.commit()
    return {"count": count}


if __name__ == "__main__":
    client = app.test_client()
    run_for(DURATION, 1 / number("RATE", 2), lambda: client.get("/orders"))
