"""Base classes every strategy derives from: schedules, reward shapers, difficulty estimators.

A strategy class declares a pydantic ``Params`` model; the host validates a config's
parameters against it and calls ``cls(params)``. Classes carrying state across steps
(moving averages, adaptive target lengths) override ``state_dict``/``load_state_dict``; the
contract is that ``b.load_state_dict(a.state_dict())`` makes ``b`` compute exactly what ``a``
would from then on, and that the state dict is JSON-serialisable (it is saved with checkpoints).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from .batch import Difficulty, RolloutBatch, ShapedRewards

Kind = Literal["schedule", "reward", "difficulty"]
KINDS: tuple[Kind, ...] = ("schedule", "reward", "difficulty")

__all__ = [
    "Kind",
    "KINDS",
    "StrictParams",
    "Strategy",
    "Schedule",
    "RewardShaper",
    "DifficultyEstimator",
]


class StrictParams(BaseModel):
    """Base for parameter models: unknown keys are errors, so a typo never silently defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Strategy(ABC):
    """Common part of all strategies: validated params and (by default empty) state."""

    kind: ClassVar[Kind]
    name: ClassVar[str]
    Params: ClassVar[type[StrictParams]] = StrictParams

    def __init__(self, params: StrictParams | None = None, **kwargs: Any) -> None:
        if params is None:
            params = self.Params(**kwargs)
        elif kwargs:
            raise TypeError("pass either a Params instance or keyword parameters, not both")
        elif not isinstance(params, self.Params):
            raise TypeError(f"{type(self).__name__} expects {self.Params.__name__}, got {type(params).__name__}")
        self.params = params

    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable state that, loaded into a fresh instance, continues this one exactly."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        if state:
            raise ValueError(f"{type(self).__name__} is stateless but got state keys {sorted(state)}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


class Schedule(Strategy):
    """A rollout-length schedule: the generation cap L_t (max_tokens) at training step t."""

    kind: ClassVar[Kind] = "schedule"

    @abstractmethod
    def cap(self, step: int) -> int:
        """The integer token cap for step ``step`` (>= 0)."""

    @property
    @abstractmethod
    def max_cap(self) -> int:
        """The largest cap the schedule ever returns (verl's ``rollout.response_length``)."""

    @property
    def min_cap(self) -> int:
        """The smallest cap the schedule ever returns."""
        return self.max_cap


class DifficultyEstimator(Strategy):
    """Turns a step's batch into per-response difficulty (pass rate, bucket, method score).

    Class attributes:
        provides: names of what its :class:`Difficulty` carries for rewards to read, matched
            against a reward's ``needs_difficulty``. The shipped ones: ``"accuracy-buckets"``
            (``bucket`` is ``"high"``/``"medium"``/``"low"`` by group accuracy, Laser-D's rule) and
            ``"pass-rate-gap"`` (``score`` is β = p(q) − P_t, > 0 for a prompt easier than the
            running average, DeepCompress's). A plugin names its own.
    """

    kind: ClassVar[Kind] = "difficulty"
    provides: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def estimate(self, batch: RolloutBatch) -> Difficulty:
        """Estimate difficulty for every response; may update internal state (moving averages)."""


class RewardShaper(Strategy):
    """Turns a step's batch (and optional difficulty) into one scalar reward per response.

    Class attributes:
        default_difficulty: the estimator the host builds when a config names none and this
            shaper needs one (``None``: the shaper ignores difficulty).
        wrong_may_outrank_correct: whether the method can give a wrong response a larger
            reward than a correct one of the same group (e.g. L1-exact's length term can).
        needs_difficulty: what the shaper reads from its difficulty, as names an estimator's
            ``provides`` must all hold; a config pairing it with another estimator is refused
            (:func:`lengthwise.config.build_strategies`). Empty: the shaper reads no difficulty,
            and any estimator (whose buckets are then only logged) or none works.
    """

    kind: ClassVar[Kind] = "reward"
    default_difficulty: ClassVar[str | None] = None
    wrong_may_outrank_correct: ClassVar[bool] = False
    needs_difficulty: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def shape(self, batch: RolloutBatch, difficulty: Difficulty | None = None) -> ShapedRewards:
        """Rewards for every response of the batch; may update internal state."""
