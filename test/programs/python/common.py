"""What every program here shares: its settings come from the environment,
so the test harness can run the same program with different timing."""
import os
import threading
import time

DSN = os.environ["DATABASE_URL"]
APP = os.environ.get("APP_NAME", "program")
DURATION = float(os.environ.get("DURATION", "30"))


def number(name, default):
    return float(os.environ.get(name, default))


def run_for(duration, every, step):
    """Calls step() every `every` seconds until `duration` has passed; errors are counted, not raised."""
    deadline = time.monotonic() + duration
    failures = 0
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        try:
            step()
        except Exception as error:  # a full server refuses: the program goes on, as a web app would
            failures += 1
            if failures <= 3:
                print(f"{APP}: {type(error).__name__}: {str(error).strip().splitlines()[0]}", flush=True)
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))
    return failures


def concurrently(count, target, *args):
    """Runs target(*args) in `count` threads at once, as concurrent requests, and waits for them all."""
    threads = [threading.Thread(target=target, args=args) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
