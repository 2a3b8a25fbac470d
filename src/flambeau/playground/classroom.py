"""The server's shared state: who is connected, the session cap, and for a class the teacher's
experiment and locks.

One :class:`Classroom` per server (one person on their machine is a classroom of one, with no
token and no teacher): it counts the connections against ``max_sessions``, and holds what the
teacher page (``/teacher``) sets for every student:

- **the teacher's experiment** (a URL hash): pushed to every page, which offers "load the
  teacher's experiment"; a page that connects later is told too. The teacher's own playground
  tab (opened from the teacher page: ``/?teacher=KEY``, the key being the teacher's token, or
  ``1`` on loopback) is known to the server, so that one click pushes what it shows; it is no
  student (not listed, not locked, not offered its own experiment);
- **locks**: the controls of the original's ``*_hide`` list that the class may not change. A
  locked control is hidden on every page, and the server refuses its changes (a student who
  edits the address or the page gets the ``locked`` error): locking ``dataset`` locks the own
  data too (clicking points, clearing them, uploading a CSV), locking ``playButton`` playing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from . import config as cfg
from .config import PlaygroundError
from .security import machine_names, new_token

#: The configuration keys and the messages each lockable control stands for.
LOCK_KEYS: dict[str, tuple[str, ...]] = {
    "learningRate": ("learningRate",), "activation": ("activation",), "regularization": ("regularization",),
    "regularizationRate": ("regularizationRate",), "problem": ("problem",),
    "dataset": ("dataset", "regDataset", "numClasses", "seed"), "percTrainData": ("percTrainData",),
    "noise": ("noise",), "batchSize": ("batchSize",), "numHiddenLayers": ("networkShape",),
    "showTestData": ("showTestData",), "discretize": ("discretize",),
}
LOCK_MESSAGES: dict[str, tuple[str, ...]] = {
    "playButton": ("play",), "stepButton": ("step",), "resetButton": ("reset",),
    "dataset": ("add_point", "clear_points", "upload_csv", "regenerate"),
}
#: Messages a page's own ``dataset_hide=true`` flag refuses too (the own-data controls it hides).
OWN_DATA_MESSAGES = LOCK_MESSAGES["dataset"]
SESSIONS_PER_CORE = 16


def default_max_sessions() -> int:
    """The session cap when none is given: 16 per core (32 on a 2-core laptop)."""
    return SESSIONS_PER_CORE * max(1, os.cpu_count() or 1)


def _locked(name: str) -> PlaygroundError:
    return PlaygroundError(f"{name}: locked by the teacher", name, code="locked", name=name)


class Classroom:
    """The server's shared state (see the module's docstring).

    Args:
        host: the address the server is bound to; a non-loopback one needs tokens.
        max_sessions: the most pages connected at once (default :func:`default_max_sessions`).
        token, teacher_token: the students' and the teacher's tokens (drawn at random where
            needed and not given).
        allowed_hosts: the accepted ``Host`` names (default: the machine's, see
            :func:`.security.machine_names`).
    """

    def __init__(self, host: str = "127.0.0.1", max_sessions: int | None = None, token: str | None = None,
                 teacher_token: str | None = None, allowed_hosts: set[str] | None = None) -> None:
        from .security import is_loopback

        self.host = host
        self.needs_token = not is_loopback(host)
        self.token = token or (new_token() if self.needs_token else None)
        self.teacher_token = teacher_token or (new_token() if self.needs_token else None)
        self.max_sessions = max_sessions or default_max_sessions()
        self.allowed_hosts = set(allowed_hosts) if allowed_hosts is not None else machine_names(host)
        self.connections: set[Any] = set()
        self.teacher_tab: Any = None            # the teacher's own playground (a connection)
        self.experiment: str | None = None      # the teacher's hash
        self.experiment_version = 0
        self.locks: set[str] = set()

    # ------------------------------------------------------------------ sessions
    def full(self) -> bool:
        return len(self.connections) >= self.max_sessions

    def full_error(self) -> PlaygroundError:
        return PlaygroundError(f"the server is full: {self.max_sessions} sessions are open", code="session_full",
                               max=self.max_sessions)

    # ------------------------------------------------------------------ the teacher
    def is_teacher_key(self, key: Any) -> bool:
        """Whether ``key`` (a page's ``?teacher=``) marks the teacher's own tab: the teacher's
        token, or anything on a loopback server (which has none)."""
        import secrets

        if not isinstance(key, str) or not key:
            return False
        return self.teacher_token is None or secrets.compare_digest(key.encode(), self.teacher_token.encode())

    def students(self) -> list[Any]:
        """The connections of the students (the teacher's tab left out)."""
        return [c for c in self.connections if c is not self.teacher_tab]

    async def teacher_hash(self) -> str:
        """The experiment the teacher's own tab shows (the ``no_teacher_tab`` error without one)."""
        tab = self.teacher_tab
        if tab is None or tab not in self.connections or tab.session is None:
            raise PlaygroundError("open your own playground from the teacher page first", code="no_teacher_tab")
        return await tab.session.share_hash()

    def set_experiment(self, hash_text: str) -> dict[str, Any]:
        """The teacher's experiment (validated: its bad values are errors; empty: withdrawn);
        returns the message every page is sent."""
        if not isinstance(hash_text, str):
            raise PlaygroundError("hash: must be a string", "hash", code="bad_field", name="hash", expect="str")
        text = hash_text.split("#", 1)[-1].strip()
        if not text:  # withdrawn
            self.experiment = None
            self.experiment_version += 1
            return self.experiment_message()
        config, errors = cfg.parse_hash(text, strict=False)
        if errors:
            raise errors[0]
        # the experiment, not the teacher's language: each page keeps its own
        config = dict(config, lang=cfg.default_config()["lang"])
        points = cfg.hash_pairs(text).get("points")
        self.experiment = cfg.to_hash(config) + (f"&points={points}" if points else "")
        self.experiment_version += 1
        return self.experiment_message()

    def experiment_message(self) -> dict[str, Any]:
        return {"type": "teacher_experiment", "hash": self.experiment, "version": self.experiment_version}

    def set_locks(self, names: Mapping[str, Any]) -> None:
        """Lock the controls named true in ``names`` (of :data:`.config.HIDE_NAMES`), unlock the others."""
        if not isinstance(names, Mapping) or any(n not in cfg.HIDE_NAMES for n in names):
            raise PlaygroundError("locks: an object of control names", "locks", code="bad_field", name="locks",
                                  expect="dict")
        self.locks = {name for name, on in names.items() if on is True}

    def forced(self) -> dict[str, bool]:
        """The ``*_hide`` flags the locks set in every student's configuration."""
        return {f"{name}_hide": True for name in sorted(self.locks)}

    def check(self, kind: str, message: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        """Raise the ``locked`` error if the message ``kind`` touches a locked control (or the own
        data while the page's own ``dataset_hide`` flag is set)."""
        if kind in OWN_DATA_MESSAGES and config.get("dataset_hide"):
            raise _locked("dataset")
        for name in self.locks:
            if kind in LOCK_MESSAGES.get(name, ()):
                raise _locked(name)
            if kind == "set" and isinstance(message.get("changes"), Mapping):
                keys = set(LOCK_KEYS.get(name, ())) | {f"{name}_hide"}
                if keys & set(message["changes"]):
                    raise _locked(name)

    def _locked_values(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """The values of the locked keys (the teacher's experiment's, else ``current``'s) and the
        locks' ``*_hide`` flags."""
        reference = cfg.parse_hash(self.experiment)[0] if self.experiment else current
        values: dict[str, Any] = {}
        for name in self.locks:
            for key in LOCK_KEYS.get(name, ()):
                values[key] = reference[key]
        values.update(self.forced())
        return values

    def lock_hash(self, text: str, current: Mapping[str, Any]) -> str:
        """A page's hash with the locked settings put back (an address edited by hand does not
        unlock them)."""
        pairs = cfg.hash_pairs(text)
        for key, value in self._locked_values(current).items():
            pairs[key] = cfg.format_value(key, value)
        return "&".join(f"{quote(k)}={quote(v, safe=',.-_')}" for k, v in pairs.items())

    def lock_config(self, data: Any, current: Mapping[str, Any]) -> Any:
        """An experiment file's settings with the locked ones put back."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                return data  # the session says it is not an experiment file
        if isinstance(data, dict):
            data = dict(data, **self._locked_values(current))
        return data

    # ------------------------------------------------------------------ what the teacher sees
    def status(self) -> dict[str, Any]:
        students = []
        for connection in sorted(self.students(), key=lambda c: c.number):
            session = connection.session
            if session is not None:
                students.append({"n": connection.number, "epoch": session.epoch, "playing": bool(session.playing),
                                 "loss_test": session.loss_test})
        return {"connected": len(students), "max_sessions": self.max_sessions, "students": students,
                "teacher_tab": self.teacher_tab is not None and self.teacher_tab in self.connections,
                "experiment": self.experiment, "locks": sorted(self.locks), "lockable": list(cfg.HIDE_NAMES)}
