"""Population distributions for customer traits.

Each distribution is a small frozen, validated object written in experiment
files as an inline table, e.g. ``{dist = "lognormal", median = 2.25, sigma = 0.3}``.
Every one has ``sample(rng, size)``, exact ``mean`` and ``variance``, its
``support`` so that a trait can check that its distribution fits its range, and
``quantile(u)``, its inverse distribution function, which turns uniforms drawn
elsewhere (e.g. a customer's counter-based stream) into draws.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union, get_args

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DISTRIBUTIONS",
    "Beta",
    "Constant",
    "Distribution",
    "Gamma",
    "Integers",
    "LogNormal",
    "Normal",
    "Uniform",
    "form",
    "keys",
]

#: Largest magnitude of a distribution's numbers: far beyond any trait or parameter
#: of the model, small enough that sums and squares of draws stay finite.
_BIG = 1e6
_BIG_INT = 1_000_000
#: The ends of (0, 1) a quantile's argument is kept within (1 - 2**-53 is the
#: largest float below 1).
_LOW, _HIGH = 2.0**-54, 1.0 - 2.0**-53


def _inside(u: npt.ArrayLike) -> np.ndarray:
    """``u`` as floats kept inside (0, 1)."""
    return np.asarray(np.clip(np.asarray(u, dtype=float), _LOW, _HIGH))


class _Dist(BaseModel):
    # serialize_by_alias: Normal's ``mean`` key is stored under an alias, and a
    # dumped config must read back as it was written.
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, serialize_by_alias=True
    )

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        """Draw ``size`` values (a 0-d array when ``size`` is None)."""
        raise NotImplementedError

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        """The inverse distribution function at ``u`` in (0, 1): ``quantile(U)`` with
        ``U`` uniform is a draw of this distribution. ``u`` is kept inside (0, 1)
        (``2**-54`` at least, ``1 - 2**-53`` at most), so a uniform of exactly 0
        or 1 gives a finite value."""
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """Exact mean."""
        raise NotImplementedError

    @property
    def variance(self) -> float:
        """Exact variance."""
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        """Smallest closed interval holding every possible draw."""
        raise NotImplementedError


class Normal(_Dist):
    """Normal distribution with ``mean`` and standard deviation ``sd`` (> 0)."""

    dist: Literal["normal"] = "normal"
    mean_: float = Field(alias="mean", ge=-_BIG, le=_BIG, description="mean")
    sd: float = Field(gt=0, le=_BIG, description="standard deviation")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        return np.asarray(rng.normal(self.mean_, self.sd, size))

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        from scipy.special import ndtri  # scipy loads only when used

        return np.asarray(self.mean_ + self.sd * ndtri(_inside(u)))

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    @property
    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)


class LogNormal(_Dist):
    """Log-normal distribution: ``exp(Normal(log(median), sigma))``."""

    dist: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0, le=_BIG, description="median, exp(mean of the log)")
    sigma: float = Field(gt=0, le=5, description="standard deviation of the log")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        return np.asarray(rng.lognormal(math.log(self.median), self.sigma, size))

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        from scipy.special import ndtri

        return np.asarray(self.median * np.exp(self.sigma * ndtri(_inside(u))))

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    @property
    def variance(self) -> float:
        s2 = self.sigma**2
        return (math.exp(s2) - 1) * self.median**2 * math.exp(s2)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)


class Beta(_Dist):
    """Beta distribution with shapes ``a`` and ``b`` (both > 0), on [0, 1]."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0, le=_BIG, description="first shape (alpha); mean a / (a + b)")
    b: float = Field(gt=0, le=_BIG, description="second shape (beta)")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        return np.asarray(rng.beta(self.a, self.b, size))

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        from scipy.special import betaincinv

        return np.asarray(betaincinv(self.a, self.b, _inside(u)))

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def variance(self) -> float:
        s = self.a + self.b
        return self.a * self.b / (s**2 * (s + 1))

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)


class Gamma(_Dist):
    """Gamma distribution with ``shape`` and ``scale`` (both > 0)."""

    dist: Literal["gamma"] = "gamma"
    shape: float = Field(gt=0, le=_BIG, description="shape k; mean k * scale")
    scale: float = Field(gt=0, le=_BIG, description="scale theta")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        return np.asarray(rng.gamma(self.shape, self.scale, size))

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        from scipy.special import gammaincinv

        return np.asarray(self.scale * gammaincinv(self.shape, _inside(u)))

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def variance(self) -> float:
        return self.shape * self.scale**2

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)


class Uniform(_Dist):
    """Continuous uniform distribution on [``low``, ``high``], ``low < high``."""

    dist: Literal["uniform"] = "uniform"
    low: float = Field(ge=-_BIG, le=_BIG, description="lowest value")
    high: float = Field(ge=-_BIG, le=_BIG, description="highest value; above low")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        return np.asarray(rng.uniform(self.low, self.high, size))

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        return self.low + (self.high - self.low) * _inside(u)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Integers(_Dist):
    """Discrete uniform distribution on the integers ``low..high`` inclusive."""

    dist: Literal["integers"] = "integers"
    low: int = Field(ge=-_BIG_INT, le=_BIG_INT, description="smallest value")
    high: int = Field(
        ge=-_BIG_INT, le=_BIG_INT, description="largest value, included; at least low"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Integers:
        if not self.low <= self.high:
            raise ValueError(f"needs low <= high, got low={self.low}, high={self.high}")
        return self

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        return np.asarray(rng.integers(self.low, self.high, size, endpoint=True))

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        k = np.floor(_inside(u) * (self.high - self.low + 1))
        return np.asarray(np.minimum(self.low + k, self.high))

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        n = self.high - self.low + 1
        return (n**2 - 1) / 12

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.low), float(self.high))


class Constant(_Dist):
    """A fixed ``value`` (no variation): turns a trait's heterogeneity off."""

    dist: Literal["constant"] = "constant"
    value: float = Field(ge=-_BIG, le=_BIG, description="the value every draw takes")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        # Draw nothing: a constant consumes no randomness.
        return np.full(() if size is None else size, self.value, dtype=float)

    def quantile(self, u: npt.ArrayLike) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=float)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    @property
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)


Distribution = Annotated[
    Union[Normal, LogNormal, Beta, Gamma, Uniform, Integers, Constant],  # noqa: UP007
    Field(discriminator="dist"),
]
"""Any one of the distributions, chosen by its ``dist`` key."""

#: Every distribution class by its ``dist`` tag, in the order of :data:`Distribution`.
DISTRIBUTIONS: dict[str, type[_Dist]] = {
    cls.model_fields["dist"].default: cls for cls in get_args(get_args(Distribution)[0])
}


def keys(cls: type[_Dist]) -> dict[str, str]:
    """A distribution's keys as written in a file (``dist`` aside), with their meaning."""
    return {
        f.alias or name: f.description or ""
        for name, f in cls.model_fields.items()
        if name != "dist"
    }


def form(cls: type[_Dist]) -> str:
    """How a distribution is written, in short: ``beta(a, b)``."""
    return f"{cls.model_fields['dist'].default}({', '.join(keys(cls))})"
