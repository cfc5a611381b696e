"""The run's lengthwise state inside a verl job: config lookup, the shared controller, resume.

Where things run. verl 0.9's V1 trainer keeps its trainer, the agent-loop manager, the replay
buffer and the checkpoint callback in one Ray actor (``TaskRunnerV1``, "the driver"). They share
one :class:`RunState` per process (:func:`driver_state`): the :class:`~lengthwise.LengthController`
that gives each step's cap and shapes each step's rewards, so its state (moving averages,
adaptive targets) lives in exactly one place and is saved with verl's checkpoints. The agent-loop
and reward workers are other processes; they only need the config (the scorer's options), never
the controller's state.

Which config. The lengthwise YAML is named by the verl config key ``lengthwise.config_path``
(``+lengthwise.config_path=/abs/path.yaml`` on the command line). verl hands its whole config to
every Ray actor it creates (driver, agent-loop workers, reward workers), so the key reaches each
one. The environment variable ``LENGTHWISE_CONFIG`` is the fallback for code that has no verl
config (pass it to Ray workers with ``+ray_kwargs.ray_init.runtime_env.env_vars.LENGTHWISE_CONFIG``).
The file itself need not exist on other nodes: ``lengthwise train`` ships its text in the Ray
job's environment (:mod:`lengthwise.verl_adapter.shipped_config`) and :func:`load_run_config`
reads it from there.

Steps. verl counts training steps from 1 (``global_steps``; validation before training runs at
0, or at the resumed step). lengthwise schedules count from 0, as the CPU demo does, so the
lengthwise step of verl step ``g`` is ``g - 1``: step 1 is rolled out under ``cap(0)``.

Resume. verl has no load hook for extra state, so :func:`resume_folder` repeats the folder
choice of ``PPOTrainer._load_checkpoint`` (``trainer.resume_mode`` ``disable`` | ``auto`` |
``resume_path``; ``auto`` reads ``latest_checkpointed_iteration.txt`` through verl's own
``find_latest_ckpt_path``), and the run state loads ``global_step_N/lengthwise_state.json`` from
that folder when it is created — before the first rollout of step N+1.

The crash window. verl writes ``latest_checkpointed_iteration.txt`` (which marks step N complete)
*before* it calls the checkpoint callback that writes ``lengthwise_state.json``; a crash in between
leaves a resumable checkpoint without the state. So the replay buffer also records the state as
soon as step N is shaped — before the update, hence before verl's save — in
``{default_local_dir}/lengthwise_pending/global_step_N/lengthwise_state.json`` (only the newest
step is kept; stateless strategies write nothing). A checkpoint folder without its state file is
restored from the pending record of the same step, with a warning, and the file is put back in
the checkpoint folder. The state after shaping step N is the state ``on_save`` writes at step N:
nothing changes it between the replay buffer and the save.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import LengthwiseConfig, load_config, loads_config
from ..pipeline import LengthController
from .shipped_config import shipped_config_text

__all__ = [
    "CAP_KEY",
    "CONFIG_ENV",
    "STATE_FILE",
    "STATE_FORMAT",
    "RunState",
    "driver_state",
    "reset_driver_state",
    "lengthwise_config_path",
    "load_run_config",
    "lengthwise_step",
    "resume_folder",
    "save_state",
    "read_state",
    "pending_state_folder",
    "adapter_overrides",
    "wiring_problems",
]

logger = logging.getLogger(__name__)

CONFIG_ENV = "LENGTHWISE_CONFIG"
# The per-sample field carrying a rollout's cap from the agent-loop manager to the agent loop, the
# reward worker and (stored with the trajectory) the replay buffer.
CAP_KEY = "lw_max_tokens"
STATE_FILE = "lengthwise_state.json"
STATE_FORMAT = 1


def _select(cfg: Any, dotted: str, default: Any = None) -> Any:
    """``cfg.a.b.c`` for a DictConfig or nested dicts, ``default`` when any part is missing."""
    node = cfg
    for part in dotted.split("."):
        if node is None:
            return default
        try:
            node = node.get(part, None) if hasattr(node, "get") else getattr(node, part, None)
        except Exception:  # omegaconf raises on missing keys of struct configs in some versions
            return default
    return default if node is None else node


def lengthwise_config_path(verl_config: Any = None) -> str:
    """The lengthwise YAML of this run: ``lengthwise.config_path`` of the verl config, else ``$LENGTHWISE_CONFIG``."""
    path = _select(verl_config, "lengthwise.config_path") if verl_config is not None else None
    if not path:
        path = os.environ.get(CONFIG_ENV)
    if not path:
        raise RuntimeError(
            "no lengthwise config for this verl run: add `+lengthwise.config_path=/abs/path/config.yaml` "
            f"to the verl overrides (or set {CONFIG_ENV}); `lengthwise train` does this for you"
        )
    return str(path)


def _adapter_settings(trainer_mode: str = "sync") -> dict[str, str]:
    """The verl config values that plug the adapter in (key -> value)."""
    from .cpu import TRAINER_MODE as CPU_TRAINER_MODE  # verl's sync trainer with CPU workers

    sync = trainer_mode in ("sync", CPU_TRAINER_MODE)
    sampler = "LengthwiseReplayBuffer" if sync else "LengthwiseReplayBufferAsync"
    return {
        "actor_rollout_ref.rollout.agent.agent_loop_manager_class": "lengthwise.verl_adapter.agent_loop.LengthwiseAgentLoopManager",
        "actor_rollout_ref.rollout.agent.agent_loop_config_path": str(Path(__file__).with_name("agent_loops.yaml")),
        "actor_rollout_ref.rollout.agent.default_agent_loop": "lengthwise_single_turn",
        "reward.reward_manager.source": "importlib",
        "reward.reward_manager.module.path": "pkg://lengthwise.verl_adapter.reward_manager",
        "reward.reward_manager.name": "LengthwiseRewardManager",
        "trainer.v1.sampler.custom_sampler.path": "pkg://lengthwise.verl_adapter.replay_buffer",
        "trainer.v1.sampler.custom_sampler.name": sampler,
        "trainer.checkpoint_callback_class": "lengthwise.verl_adapter.checkpoint.LengthwiseCheckpointCallback",
    }


# keys verl 0.9.1's ppo_trainer.yaml does not define: hydra needs `+` to add them
_NEW_KEYS = ("lengthwise.config_path", "actor_rollout_ref.rollout.agent.agent_loop_manager_class")


def adapter_overrides(config_path: str | Path, trainer_mode: str = "sync") -> list[str]:
    """The hydra overrides that run a verl 0.9.1 job with lengthwise (``lengthwise train`` emits these)."""
    from .overrides import format_value  # quoted: a path may hold spaces or non-ASCII characters

    settings = {"lengthwise.config_path": str(Path(config_path).resolve()), **_adapter_settings(trainer_mode)}
    return [f"{'+' if k in _NEW_KEYS else ''}{k}={format_value(v)}" for k, v in settings.items()]


_SAMPLER = "trainer.v1.sampler.custom_sampler"
_CALLBACK = "trainer.checkpoint_callback_class"


def _load_class(module: str, name: str) -> Any:
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _extends(verl_config: Any, key: str, want: dict[str, str]) -> bool:
    """Whether the sampler or checkpoint callback the config names subclasses lengthwise's (``want``)."""
    if key == _CALLBACK:
        have = str(_select(verl_config, key, "")).rpartition(".")
        got, base = _load_class(have[0], have[2]), want[key].rpartition(".")
        expected = _load_class(base[0], base[2])
    else:
        path, name = (str(_select(verl_config, f"{_SAMPLER}.{k}", "")) for k in ("path", "name"))
        got = _load_class(path.removeprefix("pkg://"), name)
        expected = _load_class(want[f"{_SAMPLER}.path"].removeprefix("pkg://"), want[f"{_SAMPLER}.name"])
    return isinstance(got, type) and isinstance(expected, type) and issubclass(got, expected)


def wiring_problems(verl_config: Any) -> list[str]:
    """What in a composed verl config keeps the adapter from working (empty: wired correctly).

    ``agent_loop_config_path`` only has to be set (a copy of ``agent_loops.yaml`` elsewhere is fine).
    The replay buffer and the checkpoint callback may be subclasses of lengthwise's (an observer that
    extends them); only then are the classes imported to check.
    """
    problems: list[str] = []
    if not _select(verl_config, "trainer.use_v1", False):
        problems.append("trainer.use_v1 must be true (lengthwise plugs into verl's V1 trainer)")
    mode = str(_select(verl_config, "trainer.v1.trainer_mode", "sync"))
    settings = _adapter_settings(mode)
    subclassed: dict[str, bool] = {}
    for key, want in settings.items():
        have = _select(verl_config, key)
        if key.endswith("agent_loop_config_path"):
            if not have:
                problems.append(f"{key} is not set (use {want})")
        elif have is None or str(have) != want:
            group = _CALLBACK if key == _CALLBACK else _SAMPLER if key.startswith(_SAMPLER + ".") else None
            if group is not None and group not in subclassed:
                subclassed[group] = _extends(verl_config, group, settings)
            if not subclassed.get(group, False):
                problems.append(f"{key} is {have!r}, expected {want!r}")
    if _select(verl_config, "reward.reward_model.enable", False) and not _select(
        verl_config, "reward.reward_model.enable_resource_pool", False
    ):
        problems.append("a colocated reward model scores after sampling; lengthwise needs streaming rewards")
    try:
        lengthwise_config_path(verl_config)
    except RuntimeError as err:
        problems.append(str(err))
    return problems


_CONFIGS: dict[str, LengthwiseConfig] = {}
_CONFIGS_LOCK = threading.Lock()


def load_run_config(verl_config: Any = None) -> LengthwiseConfig:
    """The run's lengthwise config, read once per process and path."""
    path = lengthwise_config_path(verl_config)
    with _CONFIGS_LOCK:
        if path not in _CONFIGS:
            # multi-node: the text `lengthwise train` shipped in the Ray job's env, else the file
            text = shipped_config_text(path)
            _CONFIGS[path] = loads_config(text, path) if text is not None else load_config(path)
        return _CONFIGS[path]


def lengthwise_step(global_steps: int) -> int:
    """The 0-based lengthwise step of verl's 1-based training step (validation at 0 maps to 0)."""
    g = int(global_steps)
    if g < 0:
        raise ValueError(f"global_steps must be >= 0, got {g}")
    return max(g - 1, 0)


def resume_folder(verl_config: Any) -> str | None:
    """The ``global_step_N`` folder verl will resume from, or None for a fresh start.

    Mirrors ``PPOTrainer._load_checkpoint`` of verl 0.9.1 (relative paths are taken from the cwd,
    as there); an unknown ``resume_mode`` is an error here instead of a crash later.
    """
    from verl.utils.checkpoint.checkpoint_manager import find_latest_ckpt_path

    mode = _select(verl_config, "trainer.resume_mode", "auto")
    if mode == "disable":
        return None
    if mode == "auto":
        folder = _select(verl_config, "trainer.default_local_dir")
        if folder is None:
            return None
        folder = str(folder)
        if not os.path.isabs(folder):
            folder = os.path.join(os.getcwd(), folder)
        return find_latest_ckpt_path(folder)
    if mode == "resume_path":
        path = _select(verl_config, "trainer.resume_from_path")
        if not isinstance(path, str) or "global_step_" not in path:
            raise ValueError(f"trainer.resume_from_path must name a global_step_N folder, got {path!r}")
        return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
    raise ValueError(f"unknown trainer.resume_mode {mode!r} (expected disable, auto or resume_path)")


def _step_of(folder: str) -> int:
    return int(str(folder).rstrip("/").split("global_step_")[-1])


def save_state(checkpoint_dir: str | Path, global_step: int, controller: LengthController, config_name: str = "") -> Path:
    """Write ``checkpoint_dir/lengthwise_state.json`` atomically (temp file, then rename)."""
    folder = Path(checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": STATE_FORMAT,
        "global_step": int(global_step),
        "config": config_name,
        "state": controller.state_dict(),
    }
    target = folder / STATE_FILE
    tmp = folder / (STATE_FILE + ".tmp")
    # allow_nan=False: the strategies promise JSON-serialisable state; a NaN would not round-trip
    # through strict readers, so fail at save time where the cause is visible.
    tmp.write_text(json.dumps(payload, indent=1, allow_nan=False), encoding="utf-8")
    os.replace(tmp, target)
    return target


def read_state(folder: str | Path) -> dict[str, Any] | None:
    """The payload of ``folder/lengthwise_state.json``, or None when the file does not exist."""
    path = Path(folder) / STATE_FILE
    if not path.exists():
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RuntimeError(f"{path}: cannot read lengthwise state ({err})") from None
    if not isinstance(payload, dict) or payload.get("format") != STATE_FORMAT or "state" not in payload:
        raise RuntimeError(f"{path}: not a lengthwise state file (format {STATE_FORMAT})")
    return payload


PENDING_DIR = "lengthwise_pending"


def pending_state_folder(verl_config: Any, global_step: int) -> Path | None:
    """``{trainer.default_local_dir}/lengthwise_pending/global_step_N`` (None without a checkpoint dir)."""
    root = _select(verl_config, "trainer.default_local_dir")
    if root is None:
        return None
    root = str(root)
    if not os.path.isabs(root):
        root = os.path.join(os.getcwd(), root)  # as resume_folder (verl's _load_checkpoint) does
    return Path(root) / PENDING_DIR / f"global_step_{int(global_step)}"


def _is_stateless(controller: LengthController) -> bool:
    return not any(controller.state_dict().values())


@dataclass
class RunState:
    """What the driver-side pieces of one run share."""

    config_path: str
    config: LengthwiseConfig
    controller: LengthController
    verl_config: Any = None
    resumed_from: str | None = None
    resumed_step: int = 0
    _warned_caps: set = field(default_factory=set, repr=False)

    @property
    def response_length(self) -> int | None:
        """verl's ``actor_rollout_ref.rollout.response_length``: no response is ever longer."""
        value = _select(self.verl_config, "actor_rollout_ref.rollout.response_length")
        return None if value is None else int(value)

    def rollout_cap(self, global_steps: int, validate: bool = False) -> int:
        """max_tokens for the rollouts of verl step ``global_steps``.

        Training: ``schedule.cap(global_steps - 1)``; validation: ``training.val_response_length``
        (else rollout.response_length). Either is min'd with rollout.response_length, because
        verl's single-turn loop cuts every response there anyway.
        """
        limit = self.response_length
        if validate:
            cap = self.config.training.val_response_length or limit
            if cap is None:
                raise RuntimeError("no validation length: set training.val_response_length or rollout.response_length")
        else:
            cap = self.controller.cap(lengthwise_step(global_steps))
        cap = int(cap)
        if limit is not None and cap > limit:
            if cap not in self._warned_caps:
                self._warned_caps.add(cap)
                logger.warning(
                    "lengthwise cap %d exceeds actor_rollout_ref.rollout.response_length=%d; generating %d tokens at most "
                    "(set data.max_response_length to the schedule's max_cap)", cap, limit, limit,
                )
            cap = limit
        return cap

    def save(self, checkpoint_dir: str | Path, global_step: int) -> Path:
        return save_state(checkpoint_dir, global_step, self.controller, self.config.name)

    def save_pending(self, global_step: int) -> Path | None:
        """Record the state right after step ``global_step`` was shaped (see "The crash window")."""
        folder = pending_state_folder(self.verl_config, global_step)
        if folder is None or _is_stateless(self.controller):
            return None
        path = save_state(folder, global_step, self.controller, self.config.name)
        for old in folder.parent.glob("global_step_*"):
            if old != folder and old.name.split("_")[-1].isdigit() and _step_of(old.name) < global_step:
                shutil.rmtree(old, ignore_errors=True)
        return path

    def restore(self, folder: str) -> None:
        """Load the state saved in ``folder``; a stateful run without one is an error."""
        step = _step_of(folder)
        payload = read_state(folder)
        if payload is None:
            pending = pending_state_folder(self.verl_config, step)
            payload = read_state(pending) if pending is not None else None
            if payload is not None:
                logger.warning(
                    "%s has no %s: the run stopped after verl marked step %d complete and before the "
                    "lengthwise checkpoint callback ran; restoring the state recorded when step %d was shaped (%s)",
                    folder, STATE_FILE, step, step, pending,
                )
                shutil.copyfile(Path(pending) / STATE_FILE, Path(folder) / STATE_FILE)
        if payload is None:
            if _is_stateless(self.controller):
                print(f"lengthwise: resuming from {folder} (step {step}): next cap {self.controller.cap(step)}; "
                      "the strategies keep no state", flush=True)
                self.resumed_from, self.resumed_step = folder, step
                return
            raise RuntimeError(
                f"resuming from {folder}, but it holds no {STATE_FILE} and the config's strategies keep state "
                "(moving averages / adaptive targets): the resumed run would not continue exactly. Resume from a "
                "checkpoint saved with trainer.checkpoint_callback_class="
                "lengthwise.verl_adapter.checkpoint.LengthwiseCheckpointCallback, or start fresh (trainer.resume_mode=disable)."
            )
        if int(payload.get("global_step", -1)) != step:
            raise RuntimeError(f"{folder}/{STATE_FILE} is for step {payload.get('global_step')}, the folder for step {step}")
        try:
            self.controller.load_state_dict(payload["state"])
        except (ValueError, KeyError, TypeError) as err:
            raise RuntimeError(
                f"{folder}/{STATE_FILE} (config {payload.get('config')!r}) does not fit config {self.config.name!r}: {err}"
            ) from None
        self.resumed_from, self.resumed_step = folder, step
        from .resume import describe_state

        # printed, not logged: the driver's log level hides INFO, and this line is the proof in
        # verl.log of what the run continued from (`lengthwise train` shows "lengthwise:" lines)
        print(f"lengthwise: restored the state of step {step} from {folder}: next cap {self.controller.cap(step)}; "
              f"{describe_state(payload['state'])}", flush=True)


_STATE: RunState | None = None
_STATE_LOCK = threading.Lock()


def driver_state(verl_config: Any = None) -> RunState:
    """The process's :class:`RunState`, created (and restored on resume) by the first caller with a verl config.

    Later callers may pass the config again (it must name the same lengthwise file) or nothing.
    """
    global _STATE
    with _STATE_LOCK:
        if _STATE is not None:
            if verl_config is not None:
                path = lengthwise_config_path(verl_config)
                if path != _STATE.config_path:
                    raise RuntimeError(f"this process already runs lengthwise config {_STATE.config_path}, not {path}")
                if _STATE.verl_config is None:
                    _STATE.verl_config = verl_config
            return _STATE
        if verl_config is None:
            raise RuntimeError(
                "the lengthwise run state is not set up in this process: the agent-loop manager "
                "(actor_rollout_ref.rollout.agent.agent_loop_manager_class) or the checkpoint callback creates it"
            )
        path = lengthwise_config_path(verl_config)
        config = load_run_config(verl_config)
        state = RunState(config_path=path, config=config, controller=LengthController.from_config(config), verl_config=verl_config)
        folder = resume_folder(verl_config)
        if folder is not None:
            state.restore(folder)
        _STATE = state
        return state


def reset_driver_state() -> None:
    """Forget the process's run state (tests; a second run in one process)."""
    global _STATE
    with _STATE_LOCK:
        _STATE = None
    with _CONFIGS_LOCK:
        _CONFIGS.clear()
