"""The per-step rollout cap, through the pieces verl calls: the agent-loop manager's pre-processing
of a prompt TensorDict and the agent loop verl instantiates from ``agent_loops.yaml``.

No vLLM is started: the test stops at the sampling params the agent loop hands to verl's
``server_manager.generate`` (vLLM's server takes ``max_tokens`` from them as is).
"""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

pytest.importorskip("verl")

# SIRI cosine, L_max 16, L_min 8, period 8, compression first: cap(t) = rint(12 + 4 cos(2 pi t / 8))
#   t:      0   1               2    3               4   5   6   7   8
#   cos:    1   0.7071          0   -0.7071         -1  ...
#   value:  16  14.83 -> 15     12   9.17 -> 9       8   9   12  15  16
# verl's training step g is rolled out under cap(g - 1).
SIRI = """
name: test-siri
schedule: {name: siri-cosine, params: {l_max: 16, l_min: 8, period: 8, first_phase: compression}}
reward: {name: length-capped}
training: {val_response_length: 12}
"""
EXPECTED = {1: 16, 2: 15, 3: 12, 4: 9, 5: 8, 6: 9, 7: 12, 8: 15, 9: 16}


def prompt_batch(global_steps, validate=False, n=3):
    """A prompt batch as verl's V1 trainer hands it to the agent-loop manager (_next_train_batch / _validate)."""
    from verl.utils import tensordict_utils as tu

    batch = tu.get_tensordict({
        "raw_prompt": [[{"role": "user", "content": f"Question: w{i}"}] for i in range(n)],
        "index": np.arange(n),
        "uid": np.array([f"u{i}" for i in range(n)], dtype=object),
        "data_source": np.array(["test"] * n, dtype=object),
    })
    tu.assign_non_tensor_data(batch, "global_steps", global_steps)
    if validate:
        tu.assign_non_tensor_data(batch, "validate", True)
    return batch


def batch_caps(batch):
    """The cap every sample of ``batch`` carries (one value for the batch, or one per sample)."""
    from tensordict import NonTensorStack

    from lengthwise.verl_adapter.agent_loop import CAP_KEY

    value = batch.get(CAP_KEY)
    if isinstance(value, NonTensorStack):
        return [int(v) for v in value.tolist()]
    return [int(value.data)] * len(batch)


@pytest.fixture
def siri_run(compose, write_config):
    def _run(*overrides):
        from lengthwise.verl_adapter.agent_loop import LengthwiseAgentLoopManager

        cfg = compose(write_config(SIRI), "data.max_response_length=16", *overrides)
        OmegaConf.resolve(cfg)  # verl's TaskRunnerV1 resolves the config before building anything
        # __init__ only (no Ray workers: those start in the classmethod create())
        return cfg, LengthwiseAgentLoopManager(config=cfg, llm_client=None)

    return _run


@pytest.fixture
def agent_loop(tokenizer):
    """The loop verl's AgentLoopWorker instantiates for agent_name=lengthwise_single_turn."""

    def _make(cfg):
        import hydra
        from verl.experimental.agent_loop.agent_loop import DictConfigWrap, ToolListWrap
        from verl.utils.dataset.rl_dataset import RLHFDataset
        from verl.utils.import_utils import resolve_config_path

        entries = {e.name: e for e in OmegaConf.load(resolve_config_path(cfg.actor_rollout_ref.rollout.agent.agent_loop_config_path))}
        entry = entries[cfg.actor_rollout_ref.rollout.agent.default_agent_loop]
        return hydra.utils.instantiate(
            config=entry, trainer_config=DictConfigWrap(config=cfg), server_manager=None, tokenizer=tokenizer,
            processor=None, hf_model_type=None, dataset_cls=RLHFDataset, data_config=DictConfigWrap(cfg.data),
            tools=ToolListWrap([]),
        )

    return _make


def test_caps_follow_the_siri_cycle(siri_run, agent_loop):
    # The whole path through verl's real workers and rollout server is the CPU e2e test
    # (tests/verl/test_cpu_train_e2e.py); here: every step of a cycle, and validation.
    from lengthwise.verl_adapter.agent_loop import CAP_KEY, assign_rollout_cap

    cfg, manager = siri_run()
    loop = agent_loop(cfg)
    seen = {g: set(batch_caps(assign_rollout_cap(prompt_batch(g), manager.lengthwise))) for g in EXPECTED}
    assert seen == {g: {c} for g, c in EXPECTED.items()}
    assert loop.sampling_params_for({"temperature": 1.0}, {CAP_KEY: 15}) == {"temperature": 1.0, "max_tokens": 15}
    # validation uses training.val_response_length whatever the step
    for g in (0, 4, 9):
        assert batch_caps(assign_rollout_cap(prompt_batch(g, validate=True), manager.lengthwise)) == [12, 12, 12]


def test_cap_is_bounded_by_response_length(siri_run, agent_loop):
    # rollout.response_length 10: caps above it become 10 (verl cuts responses there anyway);
    # val_response_length 12 also becomes 10.
    from lengthwise.verl_adapter.agent_loop import CAP_KEY, assign_rollout_cap

    cfg, manager = siri_run("data.max_response_length=10")
    loop = agent_loop(cfg)
    got = [loop.sampling_params_for({}, {CAP_KEY: batch_caps(assign_rollout_cap(prompt_batch(g), manager.lengthwise))[0]})["max_tokens"]
           for g in EXPECTED]
    assert got == [min(c, 10) for c in EXPECTED.values()]
    assert manager.lengthwise.rollout_cap(3, validate=True) == 10


def test_per_sample_steps_get_per_sample_caps(siri_run):
    # A batch re-issued from TransferQueue may carry one global_steps value per sample.
    from verl.utils import tensordict_utils as tu

    from lengthwise.verl_adapter.agent_loop import assign_rollout_cap

    _, manager = siri_run()
    batch = prompt_batch(1)
    tu.assign_non_tensor_stack(batch, "global_steps", [2, 5, 3])
    assign_rollout_cap(batch, manager.lengthwise)
    assert batch_caps(batch) == [EXPECTED[2], EXPECTED[5], EXPECTED[3]]


def test_missing_cap_and_miswired_config_are_errors(siri_run, agent_loop, compose, write_config):
    from lengthwise.verl_adapter.agent_loop import LengthwiseAgentLoopManager

    cfg, _ = siri_run()
    with pytest.raises(KeyError, match="agent_loop_manager_class"):
        agent_loop(cfg).sampling_params_for({}, {"uid": "u0"})
    bad = compose(write_config(SIRI), "trainer.v1.sampler.custom_sampler.name=ReplayBuffer")
    with pytest.raises(RuntimeError, match="custom_sampler.name"):
        LengthwiseAgentLoopManager(config=bad, llm_client=None)
