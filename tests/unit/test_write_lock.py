"""storage/write_lock.py: the lock file that queues the writers of one SQLite database across
processes (a second process waits while the first holds it, and gets it once released)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from leadroute.storage.database import connect
from leadroute.storage.migrations.runner import upgrade
from leadroute.storage.write_lock import FileLock, WriteLockTimeout


def _try(path: str, timeout: float, answer: multiprocessing.Queue[str]) -> None:
    try:
        with FileLock(path).held(timeout=timeout):
            answer.put("held")
    except WriteLockTimeout as error:
        answer.put(f"timeout: {error}")


def _other_process(path: Path, timeout: float) -> str:
    context = multiprocessing.get_context("spawn")
    answer: multiprocessing.Queue[str] = context.Queue()
    process = context.Process(target=_try, args=(str(path), timeout, answer))
    process.start()
    result = answer.get(timeout=60)
    process.join(timeout=60)
    return result


def test_another_process_waits_for_the_holder_then_takes_its_turn(tmp_path: Path) -> None:
    path = tmp_path / "leads.db-write.lock"
    lock = FileLock(str(path))
    with lock.held(timeout=1):
        refused = _other_process(path, timeout=0.3)
        assert refused == f"timeout: no turn to write within 0.3 s: another process holds {path}"
    assert _other_process(path, timeout=5) == "held"
    with lock.held(timeout=1):  # and this process takes it again afterwards
        pass


def test_the_lock_belongs_to_sqlite_file_databases_only(tmp_path: Path) -> None:
    on_file = connect(f"sqlite:///{tmp_path / 'leads.db'}")
    assert on_file.file_lock is not None
    assert on_file.file_lock.path == f"{tmp_path / 'leads.db'}-write.lock"
    assert connect("sqlite://").file_lock is None
    assert connect("sqlite:///:memory:").file_lock is None


@pytest.mark.parametrize("held", [False, True])
def test_writing_takes_the_file_lock(tmp_path: Path, held: bool) -> None:
    database = connect(f"sqlite:///{tmp_path / 'leads.db'}")
    assert database.file_lock is not None
    path = Path(database.file_lock.path)
    if held:
        upgrade(database)
        with database.writing():
            assert _other_process(path, timeout=0.3).startswith("timeout")
    else:
        assert _other_process(path, timeout=5) == "held"
    database.dispose()
