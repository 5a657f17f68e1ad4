"""The grader's side of sandboxed grading: the student's code in a cage, the verdicts here.

A :class:`Sandbox` starts ``python -m course_utils.grading.worker`` inside an isolation
(Debian's ``bubblewrap``: no network, a private ``/tmp`` and ``$HOME``, the course
directory and the source checkout hidden, the installed packages read-only, a hard memory
cap) and runs the student's cells there. The grader's cells run in the grader's own
process and reach the student's functions through proxies: a call sends the arguments as
plain data, the student's function runs in the sandbox, and the result comes back as plain
data (:mod:`.codec`). Replacing ``grading.check_value`` in the student's kernel therefore
changes nothing here, where the checks run and the points are counted.

A cell or call that runs past ``timeout`` seconds, exits the process, crashes it or
exhausts its memory kills the worker; the exercise gets an error, and the next request
starts a fresh worker that replays the cells that had run, so one broken exercise costs
only its own points.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from course_utils.grading._proxies import (_copy_back, _DictProxy, _flatten, _FunctionProxy, _inline,
                                           _Missing, _ObjectProxy, _Proxy)
from course_utils.grading.codec import (CodecError, Decoder, Encoder, is_plain,
                                        read_message, write_message)

GRACE_SECONDS = 15     # after the soft limit, before the worker is killed
START_SECONDS = 300    # for a new worker to import the preloaded libraries and seal

__all__ = ["Sandbox", "SandboxError", "StudentCodeError", "isolation_command",
           "isolation_available"]


class SandboxError(RuntimeError):
    """The sandbox could not answer: a timeout, a crash, or a value that cannot cross."""


class StudentCodeError(RuntimeError):
    """An error raised by the student's code in the sandbox (its message, not its frames)."""


def isolation_available() -> bool:
    """Whether ``bwrap`` is installed and can build a sandbox here."""
    if shutil.which("bwrap") is None:
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "true"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def _package_root() -> Path:
    import course_utils
    return Path(course_utils.__file__).resolve().parent


def isolation_command(workdir: Path, *, hide: tuple[str | os.PathLike, ...] = (),
                      readable: tuple[str | os.PathLike, ...] = ()) -> list[str]:
    """The ``bwrap`` command line that cages a process in ``workdir``.

    The whole file system is mounted read-only; ``/tmp``, ``$HOME`` and every folder of
    ``hide`` are replaced by empty private folders; a source checkout holding
    ``course_utils`` is hidden except the package itself (so tests and solutions beside it
    are not readable); the Python installation, the package and ``readable`` (data
    folders, the Keras cache) are mounted back read-only; ``workdir`` is the one writable
    folder. The network, process ids, IPC and host name are private.
    """
    workdir = Path(workdir).resolve()
    home = Path(os.path.expanduser("~")).resolve()
    package = _package_root()
    hidden = [Path(h).resolve() for h in hide] + [Path("/tmp"), home]
    checkout = package.parent
    if (checkout / "pyproject.toml").exists():       # an editable install: hide the rest
        hidden.append(checkout)
    back = [Path(sys.prefix), Path(sys.base_prefix), package,
            *(Path(p) for p in sys.path if p and Path(p).is_dir() and "site-packages" in p),
            *(Path(r) for r in readable)]
    command = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all",
               "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/dev/shm", "--proc", "/proc"]
    for folder in sorted(set(hidden), key=lambda p: len(p.parts)):
        if folder.exists():
            command += ["--tmpfs", str(folder)]
    for folder in sorted({p.resolve() for p in back if p.exists()}, key=lambda p: len(p.parts)):
        if any(folder == h or h in folder.parents for h in hidden):
            command += ["--ro-bind", str(folder), str(folder)]
    command += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir),
                "--setenv", "TMPDIR", str(workdir / "tmp"),
                "--setenv", "MPLCONFIGDIR", str(workdir / "tmp")]
    return command


class Sandbox:
    """The student's code, running in an isolated worker process.

    Parameters
    ----------
    workdir : path
        An empty folder for the worker (its only writable folder); files the release
        ships may be copied into it first.
    references : sequence of str
        Dotted names (``"course_utils.zoo.basic_block"``) made unavailable in the sandbox.
    timeout : float
        Seconds one cell or one call may run before the worker is killed.
    isolate : bool
        False runs the worker without isolation (only for a platform without
        ``bwrap``, by the instructor's explicit choice).
    hide, readable : sequences of paths
        Further folders to hide, and folders to keep readable (data, caches).
    preload : sequence of str
        Modules the worker imports when it starts, before any time limit runs (those
        not installed are skipped): the instructor's imports, whose seconds (tens for
        TensorFlow on a busy machine) are not the student's.
    """

    def __init__(self, workdir: str | os.PathLike, *, references: tuple[str, ...] = (),
                 timeout: float = 300, isolate: bool = True,
                 hide: tuple[str | os.PathLike, ...] = (),
                 readable: tuple[str | os.PathLike, ...] = (),
                 preload: tuple[str, ...] = ()):
        self.preload = tuple(preload)
        self.workdir = Path(workdir).resolve()
        (self.workdir / "tmp").mkdir(parents=True, exist_ok=True)
        self.references = tuple(references)
        self.timeout = float(timeout)
        self.isolate = isolate
        self.hide, self.readable = tuple(hide), tuple(readable)
        self.generation = 0
        self.process: subprocess.Popen | None = None
        self.history: list[tuple[str, bool]] = []   # cells that ran: (source, shared)
        self.assigned: set[str] = set()             # names the student's cells bound
        self.bound: set[str] = set()                # names bind() took from the student
        self.callbacks: dict[int, Any] = {}
        self.log = self.workdir / "worker.log"

    # ------------------------------------------------------------------ process
    def _command(self) -> list[str]:
        python = [sys.executable, "-m", "course_utils.grading.worker"]
        if not self.isolate:
            return python
        return isolation_command(self.workdir, hide=self.hide, readable=self.readable) + python

    def _start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER"))}
        env["PYTHONPATH"] = os.pathsep.join(p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                            if p and Path(p).resolve() != self.workdir)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self._command(), stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log, cwd=self.workdir,
                                            env=env, start_new_session=True)
        self.generation += 1
        self._exchange({"op": "seal", "references": list(self.references),
                        "preload": list(self.preload)}, timeout=START_SECONDS)
        replay, self.history = self.history, []
        for source, shared in replay:
            try:
                self.run(source, shared=shared, echo=False)
            except (StudentCodeError, SandboxError):
                pass

    def _kill(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            self.process = None

    def close(self) -> None:
        self._kill()

    def __del__(self):     # pragma: no cover - best effort
        try:
            self._kill()
        except Exception:
            pass

    # ------------------------------------------------------------------ messages
    def _handle_out(self, value: Any) -> dict:
        """Encode the grader's objects: proxies go back as handles, functions as callbacks."""
        if isinstance(value, _Proxy):
            if value._generation != self.generation:
                raise SandboxError(f"{value._name} belongs to a sandbox that was restarted "
                                   "after an earlier failure")
            return {"__handle__": value._key, "side": "sandbox"}
        if callable(value) and not isinstance(value, type):
            self.callbacks[id(value)] = value
            return {"__handle__": id(value), "side": "grader",
                    "name": getattr(value, "__name__", "function")}
        if type(value).__module__ == "__main__" and not isinstance(value, type):
            state = {k: v for k, v in vars(value).items() if is_plain(v)}
            return {"__handle__": 0, "side": "shared", "class": type(value).__qualname__,
                    "state": Encoder().encode(state)}
        raise CodecError(f"a value of type {type(value).__name__} cannot be sent to the sandbox")

    def _handle_in(self, data: dict) -> Any:
        kind = data.get("kind")
        cls = {"dict": _DictProxy, "object": _ObjectProxy}.get(kind, _FunctionProxy)
        return cls(self, int(data["__handle__"]), str(data.get("name", kind)))

    def _read(self, deadline: float) -> tuple[dict, list[bytes]]:
        fd = self.process.stdout.fileno()
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            raise TimeoutError
        return read_message(fd)

    def _exchange(self, header: dict, *, timeout: float | None = None, tensors=None,
                  **values: Any) -> tuple[dict, Any, Decoder]:
        """Send a request, serve the callbacks it makes, return (header, value, decoder)."""
        if self.process is None or self.process.poll() is not None:
            self._kill()
            self._start()
        encoder = Encoder(handle=self._handle_out)
        body = {**header, **{k: encoder.encode(v) for k, v in values.items()}}
        limit = self.timeout if timeout is None else timeout
        if header.get("op") in ("run", "call"):
            body["timeout"] = limit            # the worker's own (soft) limit
        deadline = time.monotonic() + limit + GRACE_SECONDS
        try:
            write_message(self.process.stdin.fileno(), body, encoder.blobs)
            while True:
                reply, blobs = self._read(deadline)
                decoder = Decoder(blobs, handle=self._handle_in, tensors=tensors)
                if reply.get("op") != "callback":
                    break
                self._serve_callback(reply, decoder)
        except TimeoutError:
            self._kill()
            raise SandboxError(f"no answer within {limit:.0f} s, even after the time limit was "
                               "signalled: the student's process was stopped (an endless loop "
                               "that catches the interruption, or far too slow)") from None
        except KeyboardInterrupt:      # the grader's own kernel was interrupted: start afresh
            self._kill()
            raise
        except (EOFError, BrokenPipeError, OSError):
            try:
                code = self.process.wait(timeout=5) if self.process else None
            except subprocess.TimeoutExpired:
                code = None
            self._kill()
            raise SandboxError(f"the student's process ended (exit code {code}): a crash, "
                               "os._exit or exit(), or memory exhaustion") from None
        finally:
            self.callbacks.clear()
        if not reply.get("ok"):
            raise StudentCodeError(str(reply.get("error", "unknown error")))
        return reply, decoder.decode(reply.get("value")), decoder

    def _serve_callback(self, request: dict, decoder: Decoder) -> None:
        function = self.callbacks.get(int(request["target"]))
        encoder = Encoder(handle=self._handle_out)
        try:
            if function is None:
                raise RuntimeError("a function that was passed for one call only")
            args = decoder.decode(request.get("args", []))
            kwargs = decoder.decode(request.get("kwargs", {"__dict__": []}))
            reply = {"value": encoder.encode(function(*args, **kwargs))}
        except Exception as error:
            encoder = Encoder()
            reply = {"error": f"{type(error).__name__}: {error}", "value": None}
        write_message(self.process.stdin.fileno(), reply, encoder.blobs)

    # ------------------------------------------------------------------ cells
    def run(self, source: str, *, shared: bool = False, echo: bool = True) -> None:
        """Run a cell in the sandbox; print what it printed; raise its error, if any.

        ``shared`` marks the instructor's cells (setup, helpers), which also run in the
        grader's kernel; names they bind are the grader's own, not the student's.
        """
        try:
            reply, _, _ = self._exchange({"op": "run", "source": source, "shared": shared})
        except SandboxError:
            raise
        self.history.append((source, shared))
        if not shared:
            self.assigned.update(reply.get("assigned", []))
        if echo and reply.get("stdout"):
            print(reply["stdout"], end="" if reply["stdout"].endswith("\n") else "\n")
        error = reply.get("error")
        if error:
            raise StudentCodeError(f"{error['ename']}: {error['evalue']}")

    def bind(self, namespace: dict, names: list[str]) -> None:
        """Bind in ``namespace`` the student's values of those ``names`` the student defined."""
        for name in names:
            if name not in self.assigned or (name in namespace and name not in self.bound):
                continue          # not the student's, or the grader's own: never replaced
            namespace[name] = self.fetch(name)
            self.bound.add(name)

    def fetch(self, name: str) -> Any:
        """The student's ``name``: plain data by value, anything else as a proxy."""
        try:
            _, value, _ = self._exchange({"op": "get", "name": name})
        except (StudentCodeError, SandboxError, CodecError) as error:
            return _Missing(name, str(error))
        if isinstance(value, _FunctionProxy):
            value._bound_name = name
        return value

    # ------------------------------------------------------------------ proxies' requests
    def call(self, proxy: _Proxy, args: tuple, kwargs: dict) -> Any:
        if proxy._generation != self.generation:
            if proxy._bound_name is None:
                raise SandboxError(f"{proxy._name} was lost when the sandbox restarted after an "
                                   "earlier failure")
            fresh = self.fetch(proxy._bound_name)
            if not isinstance(fresh, _Proxy):
                raise SandboxError(f"{proxy._bound_name} is no longer a function")
            proxy._key, proxy._generation = fresh._key, fresh._generation
        tensors = [a for a in _flatten((args, kwargs)) if type(a).__name__ == "KerasTensor"]
        reply, value, decoder = self._exchange(
            {"op": "call", "target": proxy._key}, tensors=tensors,
            args=list(args), kwargs=dict(kwargs))
        if reply.get("stdout"):
            print(reply["stdout"], end="" if reply["stdout"].endswith("\n") else "\n")
        after = decoder.decode(reply["after"]) if "after" in reply else None
        if after is not None:
            _copy_back(list(args), after[0])
            _copy_back([kwargs[k] for k in after[1]], [after[1][k] for k in after[1]])
        if isinstance(value, dict) and "__symbolic__" in value:
            value = _inline(value["__symbolic__"], tensors)
        return value

    def request(self, proxy: _Proxy, op: str, **values: Any) -> Any:
        return self._exchange({"op": op, "target": proxy._key}, **values)[1]
