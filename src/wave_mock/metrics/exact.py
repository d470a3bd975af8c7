"""Exact float sums over index ranges: prefix sums kept as integers, so no rounding builds up.

Every finite float is an integer times a power of two, so ``values * 2**bits`` are integers
once ``bits`` covers the finest fraction among them. Their prefix sums are then exact, any
range sum is one subtraction, and ``int / 2**bits`` rounds once, correctly, like
``math.fsum``:

    >>> p = ExactPrefix.of(np.array([0.1, 0.2, 0.3]))
    >>> to_float(p.total(0, 3, p.bits), p.bits)  # fsum's answer; a float loop gives 0.6000000000000001
    0.6
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

import numpy as np


def fraction_bits(x: float) -> int:
    """Return the binary digits after the point that ``x`` needs (0 for an integer).

    >>> fraction_bits(3.0), fraction_bits(0.5), fraction_bits(0.75)
    (0, 1, 2)
    """
    return x.as_integer_ratio()[1].bit_length() - 1


def scaled(x: float, bits: int) -> int:
    """Return ``x * 2**bits`` exactly; ``bits`` must be at least ``fraction_bits(x)``."""
    num, den = x.as_integer_ratio()
    return num << (bits - den.bit_length() + 1)


class Dyadic:
    """Finite floats split once into exact integers and powers: ``values == digits * 2**powers``."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        mantissa, exponent = np.frexp(values)
        self.digits = (mantissa * 2.0**53).astype(np.int64)
        self.powers = exponent.astype(np.int64) - 53

    def fraction_bits(self) -> int:
        """Return the largest ``fraction_bits`` of the values (0 when empty)."""
        digits = self.digits
        lowest = np.frexp((digits & -digits).astype("f8"))[1] - 1  # trailing zero bits (0 for 0.0)
        return max(0, int((-self.powers - lowest)[digits != 0].max(initial=0)))

    def scaled(self, bits: int) -> np.ndarray | None:
        """Return ``values * 2**bits`` as int64, exactly; None when one would not fit in 62 bits.

        ``bits`` must be at least ``fraction_bits()``.
        """
        digits, shift = self.digits, self.powers + bits  # value * 2**bits == digits * 2**shift, exactly
        if int(shift[digits != 0].max(initial=0)) > 62 - 53:  # a zero fits whatever its power
            return None
        return np.where(shift >= 0, digits << np.clip(shift, 0, 63), digits >> np.clip(-shift, 0, 63))


def fraction_bits_of(values: np.ndarray) -> int:
    """Return the largest ``fraction_bits`` of finite ``values`` (0 when empty)."""
    return Dyadic(values).fraction_bits()


def scaled_all(values: np.ndarray, bits: int) -> np.ndarray | None:
    """Return ``values * 2**bits`` as int64 exactly, or None past 62 bits (see ``Dyadic.scaled``)."""
    return Dyadic(values).scaled(bits)


def to_float(total: int, bits: int) -> float:
    """Return ``total / 2**bits`` correctly rounded (Python's int / int rounds once, like fsum)."""
    return total / (1 << bits)


@dataclass(frozen=True, slots=True)
class ExactPrefix:
    """Prefix sums of finite floats, as integers scaled by ``2**bits``."""

    # sums[i] = (values[0] + ... + values[i-1]) * 2**bits, exactly. int64 whenever the total
    # fits: a list of Python ints would be walked by every full garbage collection.
    sums: np.ndarray | list[int]
    bits: int

    @classmethod
    def of(cls, values: np.ndarray) -> ExactPrefix:
        """Build the prefix sums of finite non-negative ``values``.

        The scaling runs in numpy while every scaled value fits in 62 bits (any real
        timestamps or durations); the per-value Python path covers the rest.
        """
        values = np.asarray(values, "f8")
        if len(values) < 64:  # numpy's per-call cost would outweigh the loop
            return cls._of_floats(values.tolist())
        split = Dyadic(values)
        bits = split.fraction_bits()
        scaled = split.scaled(bits)
        if scaled is None:
            return cls._of_floats(values.tolist())
        # Summed as floats: an int64 sum would itself wrap around before the check could see it.
        if float(np.abs(scaled).sum(dtype="f8")) < 2.0**62:  # the running sums cannot overflow int64
            return cls(np.concatenate(([0], np.cumsum(scaled))), bits)
        return cls([0, *accumulate(scaled.tolist())], bits)

    @classmethod
    def _of_floats(cls, values: list[float]) -> ExactPrefix:
        ratios = [v.as_integer_ratio() for v in values]
        bits = max((den.bit_length() - 1 for _, den in ratios), default=0)
        shifted = (num << (bits - den.bit_length() + 1) for num, den in ratios)
        sums = [0, *accumulate(shifted)]
        try:
            return cls(np.array(sums, np.int64), bits)
        except OverflowError:
            return cls(sums, bits)

    def total(self, start: int, stop: int, bits: int) -> int:
        """Return the sum of ``values[start:stop]`` scaled by ``2**bits`` (``bits >= self.bits``)."""
        return (int(self.sums[stop]) - int(self.sums[start])) << (bits - self.bits)
