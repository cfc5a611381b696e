"""A CPU rollout for verl: HF ``transformers`` generation behind verl's rollout-server interface.

verl's V1 trainer generates through *rollout replicas* (``RolloutReplicaRegistry``) whose servers
answer ``generate(prompt_ids, sampling_params, request_id) -> TokenOutput``, and it syncs the
actor's weights into them through the hybrid worker's *server adapter* (``_ROLLOUT_REGISTRY``).
verl ships vLLM / SGLang / TensorRT-LLM for both; none runs on a CPU. This module adds a third,
registered under the rollout name :data:`ROLLOUT_NAME` (``actor_rollout_ref.rollout.name=hf``):

* :class:`HFRolloutServer` — a Ray actor holding the policy as a ``transformers`` causal LM (fp32,
  sdpa). Concurrent requests are gathered into batches (same temperature / top-p / top-k) and
  sampled with ``model.generate``; each request gets exactly its own ``max_tokens`` (the batch
  runs to the largest and every row is cut at its own limit, which leaves each row's sampled
  tokens unchanged) and stops after its first EOS token (included, as vLLM returns it).
  ``max_tokens`` is clamped to ``[1, max_model_len - len(prompt)]`` as verl's vLLM server does.
* :class:`HFReplica` — the replica that starts one server per replica (``hf_server_<rank>_0``).
* :class:`HFServerAdapter` — lives in each hybrid actor worker; verl's ``update_weights`` hands it
  the actor's parameters (``engine.get_per_tensor_param()``) after every step and it loads them
  into the server, so step *t+1* samples from the policy updated at step *t*.

Sampling is seeded (``rollout.seed`` + a batch counter), so a run is reproducible for a fixed
request order; concurrent arrival order still decides how requests are batched.

Tracing: with ``LENGTHWISE_ROLLOUT_TRACE=/path/file.jsonl`` in the Ray job's environment the server
appends one JSON line per batch (``weights_step``, ``temperature``, the ``max_tokens`` of every
request, the generated lengths) and one per weight load (``weights_step``, a parameter checksum):
what a user checks to see that the schedule's caps reach the rollout and the weights move.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Generator, Optional

import ray
import torch

from verl.workers.rollout.base import BaseRollout
from verl.workers.rollout.replica import RolloutReplica, TokenOutput

from . import ROLLOUT_NAME

__all__ = ["ROLLOUT_NAME", "TRACE_ENV", "HFRolloutServer", "HFReplica", "HFServerAdapter", "server_actor_name"]

logger = logging.getLogger(__name__)

#: Environment variable naming a JSONL file the server appends its batches and weight loads to.
TRACE_ENV = "LENGTHWISE_ROLLOUT_TRACE"
# How long the server waits for more requests before it starts a batch (seconds).
_GATHER_S = 0.02


def server_actor_name(replica_rank: int, node_rank: int = 0) -> str:
    """The Ray actor name of a replica's server (the adapter finds its server by it)."""
    return f"{ROLLOUT_NAME}_server_{replica_rank}_{node_rank}"


@dataclass
class _Request:
    prompt_ids: list[int]
    max_tokens: int
    future: asyncio.Future


def _sampling_key(params: dict[str, Any]) -> tuple[float, float, int]:
    temperature = float(params.get("temperature", 1.0))
    top_p = float(params.get("top_p", 1.0))
    top_k = int(params.get("top_k", -1) or -1)
    return temperature, top_p, top_k


class HFRolloutServer:
    """Token-in/token-out generation with ``transformers`` on the host CPU (see module docstring)."""

    def __init__(self, config: Any, model_config: Any, replica_rank: int = 0, threads: int | None = None) -> None:
        self.config = config
        self.model_config = model_config
        self.replica_rank = replica_rank
        self.global_steps: Optional[int] = None
        self._threads = threads
        self._model = None
        self._eos_ids: list[int] = []
        self._pad_id = 0
        self._queues: dict[tuple, list[_Request]] = defaultdict(list)
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: asyncio.Task | None = None
        self._lock = threading.Lock()  # one generate or weight load at a time
        self._seed = int(getattr(config, "seed", 0) or 0)
        self.stats = {"requests": 0, "batches": 0, "generate_s": 0.0, "tokens": 0, "weight_loads": 0}

    # -- life cycle ------------------------------------------------------------------------
    def launch_server(self, **_kwargs: Any) -> None:
        """Load the model from ``model_config.local_path`` (fp32, sdpa attention)."""
        from transformers import AutoConfig, AutoModelForCausalLM

        if self._threads:
            torch.set_num_threads(int(self._threads))
        path = getattr(self.model_config, "local_path", None) or self.model_config.path
        hf_config = AutoConfig.from_pretrained(path, trust_remote_code=bool(getattr(self.model_config, "trust_remote_code", False)))
        self._model = AutoModelForCausalLM.from_pretrained(
            path, config=hf_config, torch_dtype=torch.float32, attn_implementation="sdpa",
            trust_remote_code=bool(getattr(self.model_config, "trust_remote_code", False)),
        ).eval()
        gen = getattr(self._model, "generation_config", None)
        eos = getattr(gen, "eos_token_id", None) if gen is not None else None
        if eos is None:
            eos = hf_config.eos_token_id
        self._eos_ids = [int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos]) if e is not None]
        pad = getattr(hf_config, "pad_token_id", None)
        self._pad_id = int(pad if pad is not None else (self._eos_ids[0] if self._eos_ids else 0))

    def _trace(self, record: dict[str, Any]) -> None:
        path = os.environ.get(TRACE_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"replica": self.replica_rank, **record}) + "\n")

    def get_server_address(self) -> tuple[str, int]:
        return f"{ROLLOUT_NAME}-replica-{self.replica_rank}", 0

    @property
    def max_model_len(self) -> int:
        value = getattr(self.config, "max_model_len", None)
        if value:
            return int(value)
        return int(self.config.prompt_length) + int(self.config.response_length)

    # -- generation ------------------------------------------------------------------------
    async def generate(self, prompt_ids: list[int], sampling_params: dict[str, Any], request_id: str, **_kwargs: Any) -> TokenOutput:
        """Sample one response for ``prompt_ids`` under ``sampling_params`` (see module docstring)."""
        if self._model is None:
            raise RuntimeError("the HF rollout server has no model: launch_server() was not called")
        prompt_ids = [int(t) for t in prompt_ids]
        room = self.max_model_len - len(prompt_ids)
        if room < 1:
            raise ValueError(
                f"prompt of {len(prompt_ids)} tokens leaves no room within max_model_len {self.max_model_len}"
            )
        params = dict(sampling_params)
        if "max_tokens" in params:
            max_tokens = int(params.pop("max_tokens"))
        elif "max_new_tokens" in params:
            max_tokens = int(params.pop("max_new_tokens"))
        else:
            max_tokens = min(int(self.config.response_length), room)
        max_tokens = max(1, min(max_tokens, room))
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # Ray keeps one loop; a caller that switches loops gets fresh machinery
            self._loop, self._wakeup, self._runner = loop, asyncio.Event(), None
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run_batches())
        req = _Request(prompt_ids=prompt_ids, max_tokens=max_tokens, future=loop.create_future())
        self._queues[_sampling_key(params)].append(req)
        self.stats["requests"] += 1
        self._wakeup.set()
        token_ids, log_probs = await req.future
        return TokenOutput(
            token_ids=token_ids,
            log_probs=log_probs,
            stop_reason="completed",
            num_preempted=0,
            extra_fields={"global_steps": self.global_steps},
        )

    async def _run_batches(self) -> None:
        while True:
            await self._wakeup.wait()
            # Requests of one agent-loop step arrive within milliseconds of each other.
            await asyncio.sleep(_GATHER_S)
            self._wakeup.clear()
            limit = max(1, int(getattr(self.config, "max_num_seqs", 256) or 256))
            while self._queues:
                key = next(iter(self._queues))
                batch = self._queues[key][:limit]
                rest = self._queues[key][limit:]
                if rest:
                    self._queues[key] = rest
                else:
                    del self._queues[key]
                try:
                    results = await asyncio.to_thread(self._generate_batch, key, batch)
                except Exception as err:  # every waiting request learns the cause
                    for r in batch:
                        if not r.future.done():
                            r.future.set_exception(err)
                    continue
                for r, res in zip(batch, results):
                    if not r.future.done():
                        r.future.set_result(res)

    @torch.no_grad()
    def _generate_batch(self, key: tuple[float, float, int], batch: list[_Request]) -> list[tuple[list[int], Optional[list[float]]]]:
        temperature, top_p, top_k = key
        width = max(len(r.prompt_ids) for r in batch)
        ids = torch.full((len(batch), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, r in enumerate(batch):  # left padding: every prompt ends where generation starts
            ids[i, width - len(r.prompt_ids):] = torch.tensor(r.prompt_ids, dtype=torch.long)
            mask[i, width - len(r.prompt_ids):] = 1
        greedy = temperature <= 0
        kwargs: dict[str, Any] = {
            "max_new_tokens": max(r.max_tokens for r in batch),
            "do_sample": not greedy,
            "eos_token_id": self._eos_ids or None,
            "pad_token_id": self._pad_id,
            "return_dict_in_generate": True,
            "output_logits": bool(getattr(self.config, "calculate_log_probs", False)),
        }
        if not greedy:
            kwargs.update(temperature=temperature, top_p=top_p, top_k=top_k if top_k > 0 else 0)
        with self._lock:
            self.stats["batches"] += 1
            torch.manual_seed(self._seed * 1_000_003 + self.stats["batches"])
            t0 = time.monotonic()
            out = self._model.generate(input_ids=ids, attention_mask=mask, **kwargs)
            self.stats["generate_s"] += time.monotonic() - t0
        new = out.sequences[:, width:]
        logprobs = None
        if kwargs["output_logits"] and out.logits:
            steps = torch.stack(out.logits, dim=1).float().log_softmax(-1)  # raw model distribution, as vLLM reports
            logprobs = steps.gather(-1, new[:, : steps.shape[1], None]).squeeze(-1)
        eos = set(self._eos_ids)
        results = []
        for i, r in enumerate(batch):
            row = new[i, : r.max_tokens].tolist()
            cut = next((j + 1 for j, t in enumerate(row) if t in eos), len(row))
            row = row[:cut]
            self.stats["tokens"] += len(row)
            lp = logprobs[i, :cut].tolist() if logprobs is not None else None
            results.append((row, lp))
        self._trace({"event": "batch", "weights_step": self.global_steps, "temperature": temperature,
                     "max_tokens": [r.max_tokens for r in batch], "lengths": [len(res[0]) for res in results]})
        return results

    # -- weights ---------------------------------------------------------------------------
    def update_weights(self, named_tensors: list[tuple[str, torch.Tensor]], global_steps: Optional[int] = None) -> int:
        """Load the actor's parameters (HF names); returns how many tensors were loaded."""
        if self._model is None:
            raise RuntimeError("the HF rollout server has no model to update")
        state = dict(named_tensors)
        with self._lock:
            missing, unexpected = self._model.load_state_dict(state, strict=False)
        if unexpected:
            raise RuntimeError(f"actor weights the rollout model does not have: {sorted(unexpected)[:5]}")
        tied = {"lm_head.weight"} if getattr(self._model.config, "tie_word_embeddings", False) else set()
        if set(missing) - tied:
            raise RuntimeError(f"rollout parameters the actor did not send: {sorted(set(missing) - tied)[:5]}")
        self.stats["weight_loads"] += 1
        if global_steps is not None:
            self.global_steps = int(global_steps)
        if os.environ.get(TRACE_ENV):
            checksum = float(sum(float(t.double().abs().sum()) for t in state.values()))
            self._trace({"event": "weights", "weights_step": self.global_steps, "tensors": len(state), "checksum": checksum})
        return len(state)

    def get_stats(self) -> dict[str, Any]:
        return dict(self.stats)

    # -- the control surface verl's replicas call ------------------------------------------------
    async def wake_up(self, tags: list[str] | None = None) -> None:
        return None

    async def sleep(self) -> None:
        return None

    async def clear_kv_cache(self) -> None:
        return None  # generate() keeps no cache between calls

    async def release_kv_cache(self) -> None:
        return None

    async def resume_kv_cache(self) -> None:
        return None

    async def set_global_steps(self, global_steps: int) -> None:
        self.global_steps = int(global_steps)

    async def wait_for_requests_to_drain(self) -> None:
        while self._queues:
            await asyncio.sleep(0.01)

    async def abort_all_requests(self, reset_prefix_cache: bool = True, reject_request: bool = False) -> dict[str, Any]:
        # Requests are short and unpreemptible on a CPU; partial rollout is not supported.
        return {"aborted_count": 0, "request_ids": []}

    async def resume_generation(self) -> None:
        return None

    async def abort_request(self, request_id: str, reset_prefix_cache: bool = True) -> dict[str, Any]:
        return {"aborted": False, "request_id": request_id}

    async def start_profile(self, **_kwargs: Any) -> None:
        return None

    async def stop_profile(self) -> None:
        return None


class HFReplica(RolloutReplica):
    """One :class:`HFRolloutServer` per replica, colocated with the hybrid actor workers."""

    async def launch_servers(self) -> None:
        threads = os.environ.get("LENGTHWISE_ROLLOUT_THREADS")
        server_cls = ray.remote(HFRolloutServer)
        server = server_cls.options(
            name=server_actor_name(self.replica_rank),
            max_concurrency=self.max_concurrency,
            num_cpus=0,
        ).remote(self.config, self.model_config, self.replica_rank, int(threads) if threads else None)
        await server.launch_server.remote()
        self.servers = [server]
        self._server_handle = server
        address, port = await server.get_server_address.remote()
        self._server_address = f"{address}:{port}"


class HFServerAdapter(BaseRollout):
    """The hybrid worker's side of the HF rollout: forwards weight updates to its replica's server."""

    def __init__(self, config: Any, model_config: Any, device_mesh: Any, replica_rank: int = -1) -> None:
        super().__init__(config, model_config, device_mesh)
        rank = int(os.environ.get("RANK", 0))
        per_replica = (
            self.config.tensor_model_parallel_size
            * self.config.data_parallel_size
            * self.config.pipeline_model_parallel_size
        )
        self.replica_rank = rank // per_replica if replica_rank == -1 else replica_rank
        self._is_leader = rank % per_replica == 0
        self._server = None

    def _server_handle(self):
        if self._server is None:
            self._server = ray.get_actor(server_actor_name(self.replica_rank))
        return self._server

    async def resume(self, tags: list[str]) -> None:
        return None

    async def release(self) -> None:
        return None

    @torch.no_grad()
    async def update_weights(
        self,
        weights: Generator[tuple[str, torch.Tensor], None, None],
        wire_format: str = "named_tensors",
        global_steps: Optional[int] = None,
        **_kwargs: Any,
    ) -> None:
        if wire_format != "named_tensors":
            raise NotImplementedError(f"the HF rollout takes full tensors, not {wire_format!r}")
        # Every rank walks the generator: gathering sharded parameters is a collective.
        named = []
        if hasattr(weights, "__aiter__"):
            async for name, t in weights:
                named.append((name, t.detach().to("cpu", copy=True).contiguous()))
        else:
            for name, t in weights:
                named.append((name, t.detach().to("cpu", copy=True).contiguous()))
        if self._is_leader:
            await self._server_handle().update_weights.remote(named, global_steps)
