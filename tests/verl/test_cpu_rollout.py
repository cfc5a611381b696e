"""The CPU rollout server (lengthwise.verl_adapter.cpu.rollout) on a tiny model, without Ray.

What verl's agent loop relies on: every request gets at most its own ``max_tokens`` and exactly
that many unless it stopped at EOS (EOS included, nothing after it); batching requests together
does not change a greedy answer; loaded weights are the ones generation uses.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("verl")

from lengthwise.demo.model import ModelSize, build_model  # noqa: E402
from lengthwise.demo.tasks import make_problems, prompt_text  # noqa: E402
from lengthwise.demo.tokenizer import EOS, PAD, build_tokenizer  # noqa: E402
from lengthwise.verl_adapter.cpu.rollout import HFRolloutServer  # noqa: E402

SIZE = ModelSize(hidden=32, layers=1, heads=2, kv_heads=1, mlp=64, max_positions=128)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tok = build_tokenizer()
    torch.manual_seed(0)
    model = build_model(tok.get_vocab_size(), SIZE, tok.token_to_id(PAD), tok.token_to_id(EOS))
    model.generation_config.eos_token_id = tok.token_to_id(EOS)
    path = tmp_path_factory.mktemp("tiny") / "model"
    model.save_pretrained(path)
    prompts = [tok.encode(prompt_text(p)).ids for p in make_problems(6, seed=3)]
    return path, model, prompts, tok.token_to_id(EOS)


def _server(path, **cfg):
    config = SimpleNamespace(response_length=64, prompt_length=48, max_model_len=112, max_num_seqs=64, seed=0,
                             calculate_log_probs=False, **cfg)
    server = HFRolloutServer(config, SimpleNamespace(local_path=str(path), path=str(path)), replica_rank=0)
    server.launch_server()
    return server


def _generate_all(server, prompts, params_list):
    async def go():
        return await asyncio.gather(*[
            server.generate(prompt_ids=p, sampling_params=dict(sp), request_id=str(i))
            for i, (p, sp) in enumerate(zip(prompts, params_list))
        ])
    return asyncio.run(go())


def test_each_request_gets_exactly_its_max_tokens_or_stops_at_eos(tiny):
    path, _, prompts, eos = tiny
    server = _server(path)
    caps = [1, 2, 5, 9, 17, 33]
    outs = _generate_all(server, prompts, [{"temperature": 1.0, "top_p": 1.0, "max_tokens": c} for c in caps])
    for cap, out in zip(caps, outs):
        ids = out.token_ids
        assert 1 <= len(ids) <= cap
        assert eos not in ids[:-1]  # generation ends at the first EOS
        if len(ids) < cap:
            assert ids[-1] == eos
    # one batch for the six concurrent requests (same sampling parameters)
    assert server.stats["batches"] == 1 and server.stats["requests"] == 6


def test_max_tokens_is_clamped_to_the_context_like_vllm(tiny):
    path, _, prompts, _ = tiny
    server = _server(path, )
    (out,) = _generate_all(server, prompts[:1], [{"temperature": 0.0, "max_tokens": 10_000}])
    assert len(out.token_ids) <= 112 - len(prompts[0])
    with pytest.raises(ValueError, match="no room"):
        _generate_all(server, [[5] * 112], [{"max_tokens": 3}])


def test_batching_does_not_change_greedy_answers(tiny):
    path, _, prompts, _ = tiny
    server = _server(path)
    together = _generate_all(server, prompts, [{"temperature": 0.0, "max_tokens": 12}] * len(prompts))
    alone = [_generate_all(server, [p], [{"temperature": 0.0, "max_tokens": 12}])[0] for p in prompts]
    assert [o.token_ids for o in together] == [o.token_ids for o in alone]


def test_weight_updates_reach_generation(tiny):
    path, model, prompts, _ = tiny
    server = _server(path)
    greedy = [{"temperature": 0.0, "max_tokens": 12}] * len(prompts)
    before = [o.token_ids for o in _generate_all(server, prompts, greedy)]
    gen = torch.Generator().manual_seed(1)
    other = {k: v + torch.randn(v.shape, generator=gen) for k, v in model.state_dict().items()}
    loaded = server.update_weights(list(other.items()), global_steps=7)
    assert loaded == len(other) and server.global_steps == 7
    after = _generate_all(server, prompts, greedy)
    assert [o.token_ids for o in after] != before
    assert all(o.extra_fields["global_steps"] == 7 for o in after)
    server.update_weights(list(model.state_dict().items()))
    assert [o.token_ids for o in _generate_all(server, prompts, greedy)] == before


def test_weights_the_model_lacks_are_refused(tiny):
    path, model, _, _ = tiny
    server = _server(path)
    with pytest.raises(RuntimeError, match="does not have"):
        server.update_weights([("not.a.parameter", torch.zeros(1))])
