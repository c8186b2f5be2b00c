"""scikit-learn's OpenMP loops run on one thread here.

Gradient boosting spreads each tree over every core; on a shared machine (a service beside its
database, CI beside other jobs) that made a 2-second fit take 15 and a one-lead prediction pay
thread start-up per tree. One thread is as fast on a quiet machine and steady on a busy one.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from typing import Any

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    # Built on first use, once scikit-learn has loaded its OpenMP runtime.
    return ThreadpoolController()


def one_thread() -> AbstractContextManager[Any]:
    """A context in which OpenMP loops (tree fitting and prediction) use one thread."""
    limited: AbstractContextManager[Any] = _controller().limit(limits=1, user_api="openmp")
    return limited
