"""What `lengthwise train` and `lengthwise demo` settle before verl starts, each failure one line.

* the run directory and steps come from verl's composed config;
"""

from __future__ import annotations



from lengthwise.verl_adapter.launch import launch_settings



def test_a_relative_run_directory_is_taken_from_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = launch_settings(["trainer.experiment_name=e1", "trainer.project_name=p"])
    # verl's default: checkpoints/${trainer.project_name}/${trainer.experiment_name}
    assert settings.run_dir == tmp_path / "checkpoints" / "p" / "e1"
    assert settings.resume_mode == "auto" and settings.device == "cuda"
