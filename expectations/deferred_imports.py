"""Import Great Expectations without the heavy modules only unused expectations need.

Importing GX 1.x imports every expectation it ships. Two of them, the KL-divergence and the
Kolmogorov-Smirnov expectations, import scipy.stats and altair at module level: about 1.2 s of
CPU (a fifth of a run's start-up), for expectations this suite never uses. `import_gx`
registers a stand-in for each of those modules before importing GX; a stand-in imports the real
module the first time one of its attributes is read, so an expectation that does use scipy or
altair still gets the real thing, only later.

`importlib.util.LazyLoader` cannot do this on Python 3.11: the import statement itself reads the
module's `__spec__`, which makes a lazy module load at once.

>>> gx = import_gx()
>>> from scipy import stats            # GX's own import line: no scipy.stats loaded yet
>>> round(float(stats.entropy([0.5, 0.5], [0.9, 0.1])), 3)   # first use loads it
0.511
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from typing import Any

DEFERRED_MODULES = ("scipy.stats", "altair")

_loading = threading.Lock()
_importing_gx = threading.Lock()


class DeferredModule(types.ModuleType):
    """Stands in sys.modules for a module until one of its attributes is read."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
        self._real: types.ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:  # only for attributes the stand-in lacks
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(self._load(), attribute)

    def _load(self) -> types.ModuleType:
        with _loading:
            if self._real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                self._real = importlib.import_module(self.__name__)
        return self._real


def defer(name: str) -> None:
    """Put a stand-in for `name` in sys.modules, unless it is imported already or not installed
    (then importing it fails where it would have failed anyway)."""
    if name in sys.modules or importlib.util.find_spec(name.partition(".")[0]) is None:
        return
    sys.modules[name] = DeferredModule(name)


def import_gx() -> types.ModuleType:
    """`great_expectations`, imported with DEFERRED_MODULES deferred, once: a second thread
    that asks while the first is importing waits for it. Two threads importing GX's modules
    side by side deadlock (Python's `_DeadlockError` on one of its module locks), so code that
    imports any GX module imports it after calling this."""
    with _importing_gx:
        if "great_expectations" not in sys.modules:
            for name in DEFERRED_MODULES:
                defer(name)
        return importlib.import_module("great_expectations")
