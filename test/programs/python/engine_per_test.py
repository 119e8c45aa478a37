"""F4: a unittest suite whose setUp builds the application per test (here
just its engine) and never disposes it, while a module-level registry keeps
every application built (as app factories and extension registries do), so
each engine's pooled connection stays open: +1 connection per test. Each
test takes TEST_SECONDS. (Without the registry, unittest drops finished
tests and the garbage collector closes some engines now and then: the same
leak, slower and noisier.)"""
import time
import unittest

from sqlalchemy import create_engine, text

from common import APP, DSN, number

TESTS = int(number("TESTS", 40))
TEST_SECONDS = number("TEST_SECONDS", 0.5)
APPS = []


class OrderTests(unittest.TestCase):
    def setUp(self):
        self.engine = create_engine(DSN.replace("postgres://", "postgresql+psycopg2://", 1), connect_args={"application_name": APP})
        APPS.append(self.engine)

    def run_test(self):
        time.sleep(TEST_SECONDS)  # the test's own work; once the server is full, its query fails
        with self.engine.connect() as conn:
            self.assertGreater(conn.execute(text("SELECT count(*) FROM pg_class")).scalar(), 0)
    # no tearDown: engine.dispose() is missing


for i in range(TESTS):
    setattr(OrderTests, f"test_order_{i:03d}", OrderTests.run_test)

if __name__ == "__main__":
    unittest.main(verbosity=0)
