"""Writes a SQLAlchemy engine's pool events as pgleak's JSON lines.

    from pgleak_sqlalchemy import pgleak_pool_log
    pgleak_pool_log(engine, "pool.jsonl")   # once per engine, right after create_engine()
    # later: npx pgleak analyze pool.jsonl

One JSON object per line:

    time        epoch milliseconds
    event       connect, checkout, checkin, close, invalidate, dispose,
                too-many-clients (the server refused a new connection)
    library     "sqlalchemy"
    pool        the name given, else "<database>@<host>#<n>[pid <process>]",
                #n being the n-th engine given to pgleak_pool_log in the process
    connection  hex(id()) of the DBAPI connection: the address in its repr,
                as SQLAlchemy's own log prints it
    pid         the server's backend pid (pg_stat_activity.pid), or null
    process     os.getpid()
    thread      the Python thread's name
    stack       on checkout: the code that asked for the connection,
                innermost frame first, SQLAlchemy's own frames left out
    size, overflow, timeout
                on connect, when the pool is a QueuePool: pool_size,
                max_overflow, pool_timeout
    soft, message
                on invalidate: whether it was a soft invalidation, and why;
                on too-many-clients, the server's refusal

Standard library only (besides SQLAlchemy). Safe from many threads, and
across os.fork(): each process opens the file for itself, appending, so
forked workers can share one file and their lines do not mix.
"""
import json
import os
import sys
import threading
import time
import warnings
from itertools import count

from sqlalchemy import event
from sqlalchemy.pool import QueuePool

__all__ = ['pgleak_pool_log']

STACK_DEPTH = 8

# PostgreSQL's words when it refuses a connection for want of a slot.
_REFUSALS = (
    'too many clients already',
    'remaining connection slots are reserved',
    'too many connections for role',
    'too many connections for database',
)

# "#1" is the first engine this process gave to pgleak_pool_log, "#2" the
# next: two engines in one process are two pools even when they point at
# the same database (an engine per request or per test is a leak pgleak
# looks for), and a small number reads better in a report than an address.
_engine_numbers = count(1)

# path -> (process that opened it, file descriptor).
_files = {}
_files_lock = threading.Lock()
_warned = False


def _forget_parent_files():
    # A lock held by another thread at the moment of fork() stays held for
    # ever in the child, so the child starts over with a new one.
    global _files_lock
    _files_lock = threading.Lock()
    for _, fd in _files.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _files.clear()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_forget_parent_files)


def _descriptor(path):
    pid = os.getpid()
    with _files_lock:
        opened = _files.get(path)
        if opened is None or opened[0] != pid:
            # O_APPEND: every write lands at the end of the file, whichever
            # process or thread makes it, so one line is never cut by another.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            opened = _files[path] = (pid, fd)
        return opened[1]


def _append(path, record):
    data = (json.dumps(record) + '\n').encode()
    fd = _descriptor(path)
    while data:
        data = data[os.write(fd, data):]


def _backend_pid(dbapi_connection):
    """The server process behind the connection, from the driver, else by a query."""
    # Async drivers come wrapped in SQLAlchemy's adapter.
    driver = getattr(dbapi_connection, 'driver_connection', dbapi_connection)
    try:
        if hasattr(driver, 'get_backend_pid'):  # psycopg2
            return driver.get_backend_pid()
        info = getattr(driver, 'info', None)
        if getattr(info, 'backend_pid', None):  # psycopg 3
            return info.backend_pid
        if hasattr(driver, 'get_server_pid'):  # asyncpg
            return driver.get_server_pid()
    except Exception:
        pass
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute('SELECT pg_backend_pid()')
            pid = cursor.fetchone()[0]
        finally:
            cursor.close()
        # The query opened a transaction: the pool must get the connection as it came.
        dbapi_connection.rollback()
        return int(pid)
    except Exception:
        return None


def _is_application(frame):
    # SQLAlchemy's frames, this module's and generated code ("<string>")
    # say nothing about which code of the application asked for the connection.
    module = frame.f_globals.get('__name__') or ''
    return not (
        module == __name__
        or module == 'sqlalchemy'
        or module.startswith('sqlalchemy.')
        or frame.f_code.co_filename.startswith('<')
    )


def _stack():
    try:
        return _frames()
    except Exception:
        return []


def _frames():
    frames = []
    frame = sys._getframe(2)
    current = None
    while len(frames) < STACK_DEPTH:
        if frame is None:
            # Under SQLAlchemy's asyncio extension the checkout runs in a
            # greenlet whose stack stops at the greenlet: the awaiting
            # coroutines are in the frames of the greenlet that started it.
            greenlet = sys.modules.get('greenlet')
            if greenlet is None:
                break
            current = (current or greenlet.getcurrent()).parent
            if current is None:
                break
            frame = current.gr_frame
            continue
        if _is_application(frame):
            code = frame.f_code
            name = getattr(code, 'co_qualname', code.co_name)
            frames.append(f'at {name} ({code.co_filename}:{frame.f_lineno})')
        frame = frame.f_back
    return frames


def pgleak_pool_log(engine, path, name=None):
    """Appends the pool events of `engine` (an Engine or AsyncEngine) to `path`.

    `name` names the pool in pgleak's report. It is written as given, so
    forked workers that share one file should each give their own (or
    leave the default, which carries the process id).
    """
    engine = getattr(engine, 'sync_engine', engine)
    path = os.path.abspath(path)
    if name is None:
        url = engine.url
        base = f"{url.database or url.username or 'postgres'}@{url.host or 'localhost'}#{next(_engine_numbers)}"

        def pool_name():
            # After a fork the child's copy of the pool is a pool of its own.
            return f'{base}[pid {os.getpid()}]'
    else:
        def pool_name():
            return name

    # Connections detached from the pool lose their record, and with it the pid.
    detached_pids = {}

    def write(kind, connection=None, pid=None, with_connection=True, **extra):
        global _warned
        record = {'time': round(time.time() * 1000, 3), 'event': kind, 'library': 'sqlalchemy', 'pool': pool_name()}
        if with_connection:
            record['connection'] = connection
            record['pid'] = pid
        record['process'] = os.getpid()
        record['thread'] = threading.current_thread().name
        record.update(extra)
        try:
            _append(path, record)
        except Exception as error:
            # The application's connection must not fail because its log could not be written.
            if not _warned:
                _warned = True
                warnings.warn(f'pgleak_pool_log cannot write {path}: {error}', RuntimeWarning, stacklevel=2)

    def pool_limits():
        pool = engine.pool
        if not isinstance(pool, QueuePool):
            return {}
        return {'size': pool.size(), 'overflow': getattr(pool, '_max_overflow', None), 'timeout': getattr(pool, '_timeout', None)}

    def backend_pid(dbapi_connection, record):
        # record.info lives as long as the DBAPI connection. A connection
        # opened before the listener was attached gets its pid at checkout.
        if 'pgleak_pid' not in record.info:
            record.info['pgleak_pid'] = _backend_pid(dbapi_connection)
        return record.info['pgleak_pid']

    @event.listens_for(engine, 'connect')
    def on_connect(dbapi_connection, record):
        write('connect', hex(id(dbapi_connection)), backend_pid(dbapi_connection, record), **pool_limits())

    @event.listens_for(engine, 'checkout')
    def on_checkout(dbapi_connection, record, proxy):
        connection = hex(id(dbapi_connection))
        pid = backend_pid(dbapi_connection, record)
        # record_info outlives an invalidation, which can leave the checkin
        # without its DBAPI connection.
        record.record_info['pgleak_out'] = (connection, pid)
        write('checkout', connection, pid, stack=_stack())

    @event.listens_for(engine, 'checkin')
    def on_checkin(dbapi_connection, record):
        out = record.record_info.pop('pgleak_out', None)
        if dbapi_connection is not None:
            write('checkin', hex(id(dbapi_connection)), record.info.get('pgleak_pid'))
        elif out is not None:
            write('checkin', *out)

    @event.listens_for(engine, 'close')
    def on_close(dbapi_connection, record):
        write('close', hex(id(dbapi_connection)), record.info.get('pgleak_pid'))

    @event.listens_for(engine, 'detach')
    def on_detach(dbapi_connection, record):
        detached_pids[id(dbapi_connection)] = record.info.get('pgleak_pid')

    @event.listens_for(engine, 'close_detached')
    def on_close_detached(dbapi_connection):
        write('close', hex(id(dbapi_connection)), detached_pids.pop(id(dbapi_connection), None))

    @event.listens_for(engine, 'invalidate')
    def on_invalidate(dbapi_connection, record, exception):
        invalidated(dbapi_connection, record, exception, False)

    @event.listens_for(engine, 'soft_invalidate')
    def on_soft_invalidate(dbapi_connection, record, exception):
        invalidated(dbapi_connection, record, exception, True)

    def invalidated(dbapi_connection, record, exception, soft):
        extra = {'soft': soft}
        if exception is not None:
            extra['message'] = f'{type(exception).__name__}: {exception}'[:300]
        write('invalidate', hex(id(dbapi_connection)), record.info.get('pgleak_pid'), **extra)

    @event.listens_for(engine, 'handle_error')
    def on_error(context):
        # Whatever this raises would replace the application's exception.
        try:
            if context.connection is not None or context.is_pre_ping:
                return
            message = str(context.original_exception).strip()
            if any(text in message for text in _REFUSALS):
                write('too-many-clients', with_connection=False, message=message[:300])
        except Exception:
            pass

    @event.listens_for(engine, 'engine_disposed')
    def on_dispose(disposed):
        write('dispose', with_connection=False)

    return engine
