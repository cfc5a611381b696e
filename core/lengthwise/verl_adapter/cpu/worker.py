"""The hybrid actor/rollout worker and the trainer that uses it on a CPU.

verl's own worker (``ActorRolloutRefWorker``) runs unchanged except for one thing done first:
the process group. verl initialises it with the backend string
``f"cpu:gloo,{device}:{backend}"`` (``verl/utils/distributed.py``, ``initialize_global_process_group_ray``),
which for the CPU platform reads ``"cpu:gloo,cpu:gloo"`` and torch rejects ("Duplicate device
type cpu"). verl skips its own initialisation when a group already exists, so
:class:`CPUActorRolloutRefWorker` creates the gloo group before verl's ``TrainingWorker`` would,
and registers verl's own FSDP engine (``FSDPEngineWithLMHead``, fsdp/fsdp2) for the device
``cpu`` in verl's ``EngineRegistry`` (verl registers it for cuda/npu only). Everything else —
the FSDP2 engine, ``ppo_loss``, the optimiser, the checkpoint manager, the weight sync into the
rollout — is verl's.

verl's V1 trainer names ``ActorRolloutRefWorker`` directly when it builds its worker groups, so
the worker class reaches Ray through :class:`CPUTrainerSync`, verl's synchronous trainer
registered (``register_trainer``) as ``trainer.v1.trainer_mode=lengthwise_cpu`` whose only change
is that mapping. It behaves as verl's ``sync`` mode in every other respect (``trainer_mode``
reads ``"sync"`` inside the trainer, so verl's sync-mode branches and the ``trainer.v1.sync``
config section apply).
"""

from __future__ import annotations

import os
from datetime import timedelta

import ray
import torch.distributed as dist

from verl.trainer.ppo.utils import Role
from verl.trainer.ppo.v1.trainer_base import register_trainer
from verl.trainer.ppo.v1.trainer_sync import PPOTrainerSync
from verl.workers.engine_workers import ActorRolloutRefWorker

from . import TRAINER_MODE

__all__ = ["TRAINER_MODE", "CPUActorRolloutRefWorker", "CPUTrainerSync", "register_cpu_engine", "init_gloo_group"]



def register_cpu_engine() -> None:
    """Register verl's FSDP engine (language model, fsdp and fsdp2) for the device ``cpu`` (idempotent)."""
    from verl.workers.engine import EngineRegistry, FSDPEngineWithLMHead

    backends = [b for b in ("fsdp", "fsdp2") if "cpu" not in EngineRegistry._engines.get("language_model", {}).get(b, {})]
    if backends:
        EngineRegistry.register(model_type="language_model", backend=backends, device="cpu")(FSDPEngineWithLMHead)


def init_gloo_group() -> None:
    """The default process group over gloo, from the RANK/WORLD_SIZE/MASTER_* verl's worker group set."""
    if dist.is_initialized():
        return
    dist.init_process_group(
        backend="gloo",
        rank=int(os.environ.get("RANK", 0)),
        world_size=int(os.environ.get("WORLD_SIZE", 1)),
        timeout=timedelta(minutes=30),
    )


class CPUActorRolloutRefWorker(ActorRolloutRefWorker):
    """verl's hybrid worker with its process group created on gloo first (see module docstring)."""

    def __init__(self, config, role: str, distillation_config=None, **kwargs):
        super().__init__(config, role, distillation_config=distillation_config, **kwargs)
        # Worker.__init__ (in super) has exported RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT.
        init_gloo_group()
        register_cpu_engine()


_CPU_ROLES = (Role.ActorRollout, Role.ActorRolloutRef, Role.Actor, Role.RefPolicy)


@register_trainer(TRAINER_MODE)
class CPUTrainerSync(PPOTrainerSync):
    """verl's synchronous V1 trainer whose actor/rollout/ref workers are :class:`CPUActorRolloutRefWorker`."""

    @property
    def trainer_mode(self) -> str:
        return "sync"

    @trainer_mode.setter
    def trainer_mode(self, _value: str) -> None:
        # verl sets it from trainer.v1.trainer_mode (= lengthwise_cpu, which only picks this class).
        pass

    def _init_resource_pool_mgr(self):
        super()._init_resource_pool_mgr()
        worker = ray.remote(CPUActorRolloutRefWorker)
        for role in _CPU_ROLES:
            if role in self.role_worker_mapping:
                self.role_worker_mapping[role] = worker
