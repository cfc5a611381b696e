"""What `lengthwise train` and `lengthwise demo` settle before verl starts, each failure one line.

* a non-ASCII path value, which hydra's lexer cannot read unquoted, is quoted;
* the run directory and steps come from verl's composed config;
"""

from __future__ import annotations



from lengthwise.verl_adapter.launch import launch_settings, quote_plain_values



def test_non_ascii_values_are_quoted_and_read_back_by_hydra(tmp_path):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    path = tmp_path / "résultats d'été" / "ckpt"
    given = [f"trainer.default_local_dir={path}", "trainer.total_training_steps=2", "+x.y=[a,b]", "trainer.logger=[console]"]
    quoted = quote_plain_values(given)
    assert quoted[1:] == given[1:]  # ASCII and structured values stay as written
    parser = OverridesParser.create()
    assert parser.parse_override(quoted[0]).value() == str(path)
    settings = launch_settings(quoted)
    assert settings.run_dir == path and settings.total_steps == 2


def test_a_relative_run_directory_is_taken_from_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = launch_settings(["trainer.experiment_name=e1", "trainer.project_name=p"])
    # verl's default: checkpoints/${trainer.project_name}/${trainer.experiment_name}
    assert settings.run_dir == tmp_path / "checkpoints" / "p" / "e1"
    assert settings.resume_mode == "auto" and settings.device == "cuda"
