"""A study's claims in checkable form (``[[claims]]``) and the plausible range they are
checked over (``[where]``), as an experiment file states them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simsales.experiment.errors import unknown_metrics
from simsales.model.distributions import Distribution

__all__ = ["Claim", "Where", "where_raw"]


class Claim(BaseModel):
    """A study's claim in checkable form: ``a - b`` (or ``a / b``) of one metric lies
    above or below a threshold, judged per replication (paired: same world, same
    buyers) and on the mean; without ``b``, strategy ``a``'s metric itself is
    compared with the threshold (a claim about one strategy, e.g. its hours per
    win below a level)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    text: str = Field(
        min_length=1, max_length=2_000, description="the claim in words, shown in the report"
    )
    metric: str = Field(
        description="the metric the claim is about",
        json_schema_extra={"allowed": "a metric name (see Metric names)"},
    )
    a: str = Field(
        description="strategy the claim is about",
        json_schema_extra={"allowed": "a name of the file's strategies"},
    )
    b: str | None = Field(
        None,
        description="strategy it is compared with; omitted: a's metric itself is compared "
        "with the threshold",
        json_schema_extra={"allowed": "another name of the file's strategies"},
    )
    kind: Literal["difference", "ratio"] = Field(
        "difference", description="compare a - b (difference) or a / b (ratio) with the threshold"
    )
    holds_if: Literal["above", "below"] = Field(
        description="the claim holds where a - b (or a / b) is strictly above, or strictly "
        "below, the threshold"
    )
    threshold: float = Field(
        0.0,
        ge=-1e12,
        le=1e12,
        description="the value a - b (or a / b) is compared with, in the metric's units "
        "(a share for a share: 0.02 is two points); e.g. 0 for a - b, 0.5 for a / b halved",
    )

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        problem = unknown_metrics([metric])
        if problem:
            raise ValueError(problem)
        return metric

    @model_validator(mode="after")
    def _two_strategies(self) -> Claim:
        if self.a == self.b:
            raise ValueError(
                f"a and b are both {self.a!r}: a claim compares two strategies, or omits b "
                "to compare one strategy's metric with the threshold"
            )
        if self.b is None and self.kind == "ratio":
            raise ValueError(
                "kind: 'ratio' needs b (the strategy a is divided by); without b, a's metric "
                "is compared with the threshold: leave kind out or set it to 'difference'"
            )
        return self

    def statement(self) -> str:
        """The test in symbols, e.g. ``conversion: insight - push > 0``, or
        ``hours_per_win: push < 60`` without ``b``."""
        rel = ">" if self.holds_if == "above" else "<"
        if self.b is None:
            return f"{self.metric}: {self.a} {rel} {self.threshold:g}"
        op = "-" if self.kind == "difference" else "/"
        return f"{self.metric}: {self.a} {op} {self.b} {rel} {self.threshold:g}"


class Where(BaseModel):
    """A run over the plausible range of the parameters a study's claims depend on:
    each replication draws them anew (one plausible world), with a seed of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    replications: int = Field(
        200,
        ge=1,
        le=100_000,
        description="plausible worlds drawn (PRIM needs a few hundred for a sharp box)",
    )
    uncertain: dict[str, Distribution] = Field(
        min_length=1,
        max_length=100,
        description="plausible range of each parameter the claims depend on, drawn per world "
        "(same syntax as [uncertain]; replaces the file's value, a swept value or an "
        "uncertain draw of the same key)",
        json_schema_extra={"allowed": "key paths of numeric parameters of the tables"},
    )


def where_raw(raw: dict[str, Any], where: Where, claims: list[Claim]) -> dict[str, Any]:
    """``raw`` (an experiment as JSON, without its design and ``[where]``) made the
    experiment of its run over the plausible range, but for its seed and description:
    ``where.uncertain`` drawn per world over the file's own ``uncertain``,
    ``where.replications`` worlds, and only the strategies the claims name (with the
    comparisons among them)."""
    drawn = where.model_dump(mode="json")["uncertain"]
    raw["uncertain"] = {**raw.get("uncertain", {}), **drawn}
    raw["replications"] = where.replications
    # only the strategies the claims compare: the others would cost time and,
    # with common random numbers, change none of their numbers
    named = {c.a for c in claims} | {c.b for c in claims if c.b is not None}
    raw["strategies"] = [s for s in raw["strategies"] if s["name"] in named]
    raw["compare"] = [p for p in raw.get("compare", []) if set(p) <= named]
    return raw
