"""Which checkpoint a run resumes from: its last *complete* one (no verl import).

    plan = plan_resume(ckpt_dir, mode="auto", resume_from_path=None, total_steps=8, stateful=True)
    plan.folder            the global_step_N folder to resume from (None: a fresh start)
    plan.overrides()       the verl keys that make verl resume from exactly that folder
    plan.notes             one line on the folders skipped (incomplete), if any

A ``global_step_N`` folder is complete when it holds everything verl 0.9.1's
``PPOTrainer._save_checkpoint`` (``verl/trainer/ppo/v1/trainer_base.py:948-1010``) writes and
what lengthwise's callback adds after it, in the order they are written:

1. ``actor/`` (and ``critic/`` when there is one) with the shards of every rank,
   ``{model,optim,extra_state}_world_size_W_rank_R.pt`` for R = 0..W-1 of each kind present,
   each a readable zip archive (``torch.save``'s format: a file cut short by a kill has no
   end-of-archive record, which :func:`zipfile.is_zipfile` looks for). A checkpoint format
   without such shards (Megatron's ``dist_ckpt``) is judged by the next item alone;
2. ``data.pt``, the dataloader's state, which verl writes after the actor (also a zip archive);
3. the lengthwise state of step N: ``lengthwise_state.json`` with ``global_step`` N (written by
   the checkpoint callback after verl's tracker file), else the replay buffer's pending record of
   step N (:mod:`.state`, "The crash window"); neither is needed when the config's strategies
   keep no state.

``trainer.resume_mode=auto`` then resumes from the highest complete N — not from verl's tracker
file ``latest_checkpointed_iteration.txt``, which verl writes before the lengthwise state and
which a run killed mid-save can leave pointing at a partial folder — by handing verl
``resume_mode=resume_path`` with that folder. ``resume_path`` must name a complete folder.
A folder for a step beyond the run's ``total_training_steps`` is an error (the run would train
nothing); one at exactly that step means the run has finished.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .state import PENDING_DIR, STATE_FILE, read_state

__all__ = ["ResumeError", "ResumePlan", "checkpoint_problem", "plan_resume", "describe_state", "step_folders"]

_SHARD = re.compile(r"^(model|optim|extra_state)_world_size_(\d+)_rank_(\d+)\.pt$")
_STEP = re.compile(r"^global_step_(\d+)$")


class ResumeError(ValueError):
    """A checkpoint directory the run cannot resume from as asked; one line says why."""


def step_folders(ckpt_dir: Path) -> list[tuple[int, Path]]:
    """``(N, folder)`` of every ``global_step_N`` folder in ``ckpt_dir``, highest N first."""
    if not ckpt_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in ckpt_dir.iterdir() if (m := _STEP.match(p.name)) and p.is_dir()]
    return sorted(found, reverse=True)


def _shards_problem(folder: Path) -> str | None:
    ranks: dict[tuple[str, int], set[int]] = {}
    for p in folder.iterdir():
        m = _SHARD.match(p.name)
        if m:
            ranks.setdefault((m.group(1), int(m.group(2))), set()).add(int(m.group(3)))
            if not zipfile.is_zipfile(p):
                return f"{folder.name}/{p.name} is cut short"
    for (kind, world), have in sorted(ranks.items()):
        missing = sorted(set(range(world)) - have)
        if missing:
            return f"{folder.name}/ lacks the {kind} shard of rank {missing[0]} (of {world})"
    return None


def checkpoint_problem(folder: Path, step: int, stateful: bool) -> str | None:
    """Why ``folder`` (verl's ``global_step_{step}``) is not a complete checkpoint, or None."""
    actor = folder / "actor"
    if not actor.is_dir() or not any(actor.iterdir()):
        return "no actor checkpoint"
    for part in (actor, folder / "critic"):
        if part.is_dir():
            problem = _shards_problem(part)
            if problem:
                return problem
    data = folder / "data.pt"
    if not data.is_file():
        return "no data.pt (verl stopped while saving)"
    if not zipfile.is_zipfile(data):
        return "data.pt is cut short"
    try:
        payload = read_state(folder)
    except RuntimeError as err:
        return str(err).split(": ", 1)[-1]
    if payload is None:
        pending = folder.parent / PENDING_DIR / f"global_step_{step}"
        try:
            payload = read_state(pending)
        except RuntimeError:
            payload = None
        if payload is None:
            return f"no {STATE_FILE} (the strategies keep state)" if stateful else None
    if int(payload.get("global_step", -1)) != step:
        return f"{STATE_FILE} is for step {payload.get('global_step')}"
    return None


def _flat(prefix: str, value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, bool) or value is None:
        out.append(f"{prefix} {value}")
    elif isinstance(value, (int, float)):
        out.append(f"{prefix} {value:.6g}")
    elif isinstance(value, list):
        nums = [v for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
        shown = "[" + ", ".join(f"{v:.4g}" for v in nums[:6]) + (", …" if len(value) > 6 else "") + "]"
        out.append(f"{prefix} {shown}" if len(nums) == len(value) else f"{prefix} [{len(value)} values]")
    else:
        out.append(f"{prefix} {value}")


def describe_state(state: dict[str, Any] | None) -> str:
    """The strategies' saved state in words: ``difficulty.moving_average 0.62; ...``."""
    parts: list[str] = []
    for kind in ("schedule", "difficulty", "reward"):
        if state and state.get(kind):
            _flat(kind, state[kind], parts)
    return "; ".join(parts) if parts else "no strategy state"


@dataclass
class ResumePlan:
    """Where a run starts (see the module docstring)."""

    ckpt_dir: Path
    folder: Path | None = None
    step: int = 0
    state: dict[str, Any] | None = None  # the lengthwise state payload restored, if any
    notes: list[str] = field(default_factory=list)
    finished: bool = False  # the checkpoint is at the run's last step: nothing left to train

    def overrides(self) -> list[str]:
        """verl keys that make verl resume from :attr:`folder` (none for a fresh start)."""
        if self.folder is None:
            return []
        from .overrides import format_value

        return ["trainer.resume_mode=resume_path", f"trainer.resume_from_path={format_value(str(self.folder))}"]

    def describe(self, next_cap: int | None = None, total_steps: int | None = None) -> str:
        """One line: what is restored and what is left to train."""
        if self.folder is None:
            return f"fresh start in {self.ckpt_dir}"
        state = describe_state(self.state.get("state") if self.state else None)
        left = f"; training steps {self.step + 1}-{total_steps}" if total_steps and total_steps > self.step else ""
        cap = f"; next cap {next_cap}" if next_cap is not None else ""
        return f"resuming from {self.folder} (step {self.step}{cap}; {state}){left}"


def plan_resume(
    ckpt_dir: str | Path,
    *,
    mode: str = "auto",
    resume_from_path: str | None = None,
    total_steps: int | None = None,
    stateful: bool = True,
) -> ResumePlan:
    """The checkpoint a run with these verl settings resumes from (see the module docstring).

    Raises :class:`ResumeError` for an unknown mode, an incomplete ``resume_from_path`` and a
    checkpoint beyond ``total_steps``.
    """
    ckpt_dir = Path(ckpt_dir)
    plan = ResumePlan(ckpt_dir=ckpt_dir)
    if mode == "disable":
        return plan
    if mode == "resume_path":
        if not resume_from_path or not _STEP.match(Path(resume_from_path).name):
            raise ResumeError(f"trainer.resume_from_path must name a global_step_N folder, got {resume_from_path!r}")
        folder = Path(resume_from_path)
        step = int(_STEP.match(folder.name).group(1))  # type: ignore[union-attr]
        if not folder.is_dir():
            raise ResumeError(f"trainer.resume_from_path {folder} does not exist")
        problem = checkpoint_problem(folder, step, stateful)
        if problem:
            raise ResumeError(f"trainer.resume_from_path {folder} is not a complete checkpoint: {problem}")
        candidates = [(step, folder)]
    elif mode == "auto":
        candidates = step_folders(ckpt_dir)
    else:
        raise ResumeError(f"unknown trainer.resume_mode {mode!r} (expected disable, auto or resume_path)")
    skipped = []
    for step, folder in candidates:
        problem = checkpoint_problem(folder, step, stateful)
        if problem:
            skipped.append(f"{folder.name} ({problem})")
            continue
        if total_steps is not None and step > total_steps:
            raise ResumeError(
                f"{folder} is a checkpoint of step {step}, beyond this run's {total_steps} steps (trainer.total_training_steps): "
                "nothing would be trained; raise the steps, or start in another trainer.default_local_dir"
            )
        plan.folder, plan.step = folder, step
        plan.state = read_state(folder) or read_state(folder.parent / PENDING_DIR / folder.name)
        plan.finished = total_steps is not None and step == total_steps
        break
    if skipped:
        where = f"resuming from {plan.folder.name}" if plan.folder is not None else "starting fresh"
        plan.notes.append(f"{ckpt_dir}: skipping incomplete checkpoint(s) {', '.join(skipped)}; {where}")
    return plan
