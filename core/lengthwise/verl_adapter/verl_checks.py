"""The dry run's checks that need verl itself, run beside the rest of the dry run.

``import verl`` (torch, tensordict, then verl's trainer and worker modules the checks and the
wiring classes pull in) is most of a dry run's time; composing verl's config, lengthwise's own
checks and the data files need none of it. So :class:`VerlChecks` starts a child process
(``python -c`` running :func:`_child`) as soon as the launcher knows it is a dry run;
the child imports verl and the wiring modules while this process loads the config and composes,
then answers requests, one JSON line each way:

* ``{"op": "annotations", "targets": [...]}`` — the annotation table of the dataclasses the schema
  names (:func:`.override_types.annotation_table`), for a cold schema cache;
* ``{"op": "check", "config": YAML, "wired": [[key, module, attr], ...]}`` — verl's
  ``validate_config`` with ``need_reference_policy``/``need_critic`` and the rollout and
  algorithm sections converted to their dataclasses, then every wired class imported and the
  advantage estimator looked up in verl's registry (where the imports register lengthwise's):
  ``{"validation": error or null, "wiring": error or null, "notes": [...], "output": text}``.

The child's stdout and stderr (file descriptors included) go to a file whose text comes back as
``output`` (what ``--dry-run -v`` shows). Where verl is already imported in this process (a test
session, a notebook) the same functions run in-process instead: a child would only import it again.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["VerlChecks", "check_config", "PRELOAD"]

#: What the checks import, loaded by the child before its first request (the wiring modules are
#: those :func:`.state.adapter_overrides` names; a config naming others imports them on request).
PRELOAD = (
    "verl.utils.config",
    "verl.trainer.ppo.utils",
    "lengthwise.verl_adapter.agent_loop",
    "lengthwise.verl_adapter.reward_manager",
    "lengthwise.verl_adapter.replay_buffer",
    "lengthwise.verl_adapter.checkpoint",
)


def _one_paragraph(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


@contextlib.contextmanager
def captured(sink: io.StringIO):
    """Route stdout, stderr, warnings and log records to ``sink`` for the block's duration."""
    handler = logging.StreamHandler(sink)
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [handler]
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = lambda msg, cat, *_a, **_k: sink.write(f"{cat.__name__}: {msg}\n")
            yield
    finally:
        root.handlers = saved


def _validation_error(cfg: Any) -> str | None:
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import omega_conf_to_dataclass, validate_config

    try:
        validate_config(cfg, use_reference_policy=need_reference_policy(cfg), use_critic=need_critic(cfg))
        omega_conf_to_dataclass(cfg.actor_rollout_ref.rollout)
        omega_conf_to_dataclass(cfg.algorithm)
    except Exception as err:  # verl validates with asserts, ValueError and TypeError alike
        return f"verl's validation failed: {_one_paragraph(err)}"
    return None


def _wiring_error(wired: Sequence[Sequence[str]], notes: list[str]) -> str | None:
    for key, module, attr in wired:
        if module.startswith("lengthwise.") and importlib.util.find_spec(module) is None:
            notes.append(f"skipped: {module} (for {key}) is not installed yet, so {attr} was not import-checked")
            continue
        try:
            obj = getattr(importlib.import_module(module), attr)
        except AttributeError:
            return f"{key} names {module}.{attr}, but {module} defines no {attr}"
        except Exception as err:
            return f"cannot import {module} (named by {key}): {_one_paragraph(err)}"
        if not callable(obj):
            return f"{module}.{attr} (named by {key}) is not a class"
    return None


def _estimator_error(cfg: Any) -> str | None:
    # verl looks the estimator up by name only at the first advantage (core_algos.get_adv_estimator_fn);
    # the wiring imports above have registered lengthwise's (lengthwise.verl_adapter.advantage)
    from verl.trainer.ppo.core_algos import AdvantageEstimator, get_adv_estimator_fn

    from .overrides import CORRECT_BOOST_ESTIMATOR

    name = str(cfg.algorithm.adv_estimator)
    try:
        get_adv_estimator_fn(name)
    except ValueError:
        import difflib

        known = [e.value for e in AdvantageEstimator] + [CORRECT_BOOST_ESTIMATOR]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}?" if close else f"verl's own: {', '.join(known[:-1])}; lengthwise's: {known[-1]}"
        return f"algorithm.adv_estimator={name}: verl has no advantage estimator of that name; {hint}"
    return None


def check_config(cfg: Any, wired: Sequence[Sequence[str]]) -> dict[str, Any]:
    """verl's validation of the composed ``cfg``, the imports of the ``wired`` classes, the advantage estimator."""
    notes: list[str] = []
    validation = _validation_error(cfg)
    wiring = (_wiring_error(wired, notes) or _estimator_error(cfg)) if validation is None else None
    return {"validation": validation, "wiring": wiring, "notes": notes}


def _annotations(targets: Sequence[str]) -> dict[str, Any]:
    from .override_types import annotation_table

    table, files = annotation_table(targets)
    return {"annotations": table, "sources": files}


class VerlChecks:
    """The verl-side checks of one dry run: in a child started now, or in this process."""

    def __init__(self, in_process: bool | None = None) -> None:
        if in_process is None:
            in_process = "verl" in sys.modules
        self._proc: subprocess.Popen | None = None
        if not in_process:
            # the child imports this same lengthwise, however this process found it
            here = str(Path(__file__).resolve().parents[2])
            start = (f"import sys; p = {here!r}; p in sys.path or sys.path.insert(0, p); "
                     f"from {__name__} import _child; _child()")
            self._proc = subprocess.Popen(
                [sys.executable, "-c", start],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, encoding="utf-8",
            )

    @property
    def in_process(self) -> bool:
        return self._proc is None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None and self._proc.stdout is not None
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            code = self._proc.wait()
            raise RuntimeError(f"the dry run's verl checks exited with code {code} before answering")
        answer = json.loads(line)
        if "failure" in answer:  # what the in-process checks would have raised
            raise RuntimeError(f"the dry run's verl checks could not run: {answer['failure']}")
        return answer

    def annotations(self, targets: Sequence[str]) -> dict[str, Any]:
        """``{"annotations": table, "sources": files}`` for ``targets`` (see :func:`annotation_table`)."""
        if self._proc is None:
            with captured(io.StringIO()):
                return _annotations(targets)
        return self._ask({"op": "annotations", "targets": list(targets)})

    def check(self, cfg: Any, wired: Sequence[Sequence[str]]) -> dict[str, Any]:
        """:func:`check_config` of ``cfg``, with ``"output"``: what verl printed meanwhile."""
        if self._proc is None:
            sink = io.StringIO()
            with captured(sink):
                result = check_config(cfg, wired)
            return {**result, "output": sink.getvalue()}
        from omegaconf import OmegaConf

        return self._ask({"op": "check", "config": OmegaConf.to_yaml(cfg), "wired": [list(w) for w in wired]})

    def close(self) -> None:
        """Stop the child (idle, done, or still importing: nothing of it is kept)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def __enter__(self) -> VerlChecks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _child() -> None:
    """The child's loop: import verl (into the captured output), then answer requests."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    warnings.simplefilter("always")
    warnings.showwarning = lambda msg, cat, *_a, **_k: print(f"{cat.__name__}: {msg}", file=sys.stderr)
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the request that needs it imports it again and reports it
            pass
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "annotations":
                answer = _annotations(request["targets"])
            else:
                from omegaconf import OmegaConf

                cfg = OmegaConf.create(request["config"])
                OmegaConf.set_struct(cfg, True)  # as hydra's compose returns it
                answer = check_config(cfg, request["wired"])
                sys.stdout.flush()
                sys.stderr.flush()
                log.seek(0)
                answer["output"] = log.read()
        except Exception as err:  # noqa: BLE001 - a broken install: say what broke, in one line
            answer = {"failure": f"{type(err).__name__}: {_one_paragraph(err)}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()

