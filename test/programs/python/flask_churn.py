"""F1: a Flask app that connects per request and closes the connection at
teardown: correct, but no pool, so connections are opened and closed at the
request rate (RATE per second) and each lives a few milliseconds."""
import psycopg2
from flask import Flask, g

from common import APP, DSN, DURATION, number, run_for

app = Flask(__name__)


@app.get("/ping")
def ping():
    g.db = psycopg2.connect(DSN, application_name=APP)
    with g.db.cursor() as cur:
        cur.execute("SELECT 1")
    return "ok"


@app.teardown_request
def close(_error):
    db = g.pop("db", None)
    if db is not None:
        db.close()


if __name__ == "__main__":
    client = app.test_client()
    run_for(DURATION, 1 / number("RATE", 70), lambda: client.get("/ping"))
