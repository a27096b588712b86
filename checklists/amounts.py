"""Indicator amounts (量化指标的数值): the numbers zonecheck accepts, reading them, printing them.

An amount has at most 15 significant digits, at most 6 of them after the decimal point (so
|x| < 10^15). Fifteen because the JSON API, the JSON export and the ledger hand amounts on as
binary floating-point numbers, which keep any 15 significant decimal digits exactly; six decimal
places hold any rate or percentage an office writes (8.25%, 0.035). Targets and reported values
are exact `Decimal`s; these bounds are checked where a value enters (the CLI, the API, catalog
YAML; the parser skips numbers outside them) and again in the service that stores it.

Printing never expands a value: a value stored before these bounds existed (1e999990 is a
million digits written out, and `int()` of it takes half a minute) prints in scientific notation
instead.
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 6
MAX_SIGNIFICANT_DIGITS = 15
MAX_TEXT_LENGTH = 100  # characters of a typed amount, separators and all

# Plain decimal notation only: no exponent (1e999999999), no NaN/Infinity, no underscores
# (Decimal() takes all of those). \d also takes full-width digits, which Decimal() reads.
_TEXT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_EXPONENT_RE = re.compile(r"[+-]?[\d.]+[eE][+-]?\d+")
_SEPARATORS = str.maketrans("", "", ",, ")
_SUFFIXES = (("万", Decimal(10_000)), ("亿", Decimal(100_000_000)))
EXAMPLES = "可写 3600、8.2、6.8万"

# Exact arithmetic on typed text (at most MAX_TEXT_LENGTH digits times 10^8) and room for any
# exponent, so nothing here rounds, overflows or traps.
_EXACT = Context(prec=MAX_TEXT_LENGTH + 20, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
# One digit more than an amount may have: enough to tell "too many digits" from a fit.
_REDUCE = Context(prec=MAX_SIGNIFICANT_DIGITS + 1, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


class AmountError(ValueError):
    """Not an amount; the message is Chinese and names the field and what was typed."""


def problem(value: Decimal) -> str | None:
    """Why `value` is not an amount (a Chinese phrase), or None if it is one.

    Never expands the value: `adjusted()` is the exponent of its leading digit, read in O(1).
    """
    if not value.is_finite():
        return "不是有限的数字"
    if value.is_zero():
        return None
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return f"超出范围:整数部分最多 {MAX_INTEGER_DIGITS} 位"
    if value.adjusted() < -MAX_FRACTION_DIGITS:
        return f"小数位过多:最多 {MAX_FRACTION_DIGITS} 位小数"
    reduced = value.normalize(_REDUCE)
    digits, exponent = len(reduced.as_tuple().digits), int(reduced.as_tuple().exponent)
    if reduced != value or digits > MAX_SIGNIFICANT_DIGITS:
        return f"有效数字过多:最多 {MAX_SIGNIFICANT_DIGITS} 位"
    if exponent < -MAX_FRACTION_DIGITS:
        return f"小数位过多:最多 {MAX_FRACTION_DIGITS} 位小数"
    return None


def check(value: Decimal, *, field: str = "指标值") -> Decimal:
    """`value` in its plain form (68000, not 6.8E+4 or 68000.0); AmountError if out of bounds."""
    reason = problem(value)
    if reason is not None:
        raise AmountError(f"{field}“{_short(value)}”{reason}")
    return _plain_decimal(value)


def parse(text: str, *, field: str = "指标值") -> Decimal:
    """Read an amount as people type it: 3600, 3,700, -2.5, 8.2, 6.8万, 1.2亿.

    Raises AmountError naming `field` and what was typed.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise AmountError(f"{field}过长:最多 {MAX_TEXT_LENGTH} 个字符")
    cleaned = text.strip().translate(_SEPARATORS)
    scale = Decimal(1)
    for suffix, factor in _SUFFIXES:
        if cleaned.endswith(suffix):
            cleaned, scale = cleaned[: -len(suffix)], factor
            break
    if not _TEXT_RE.fullmatch(cleaned):
        if _EXPONENT_RE.fullmatch(cleaned):
            raise AmountError(f"{field}“{text.strip()}”用了科学计数法;请写出数字本身({EXAMPLES})")
        raise AmountError(f"{field}“{text.strip()}”不是数字({EXAMPLES})")
    value = _EXACT.multiply(Decimal(cleaned), scale)
    reason = problem(value)
    if reason is not None:
        raise AmountError(f"{field}“{text.strip()}”{reason}")
    return _plain_decimal(value)


def plain(value: Decimal) -> str:
    """3600, 3600.5, -0.25: no exponent, no trailing zeros. For any stored value: one outside
    the bounds prints in scientific notation (1E+999990) rather than expanded."""
    if problem(value) is None:
        return format(_plain_decimal(value), "f")
    return _short(value)


def as_number(value: Decimal) -> int | float:
    """An amount as a JSON number: an int when whole, else a float (exact for an amount)."""
    value = check(value)
    return int(value) if value == value.to_integral_value() else float(value)


def json_number(value: Decimal | None) -> int | float | None:
    """Any stored value as a JSON number: exact for an amount; a value from before the bounds
    as the nearest float, or None when no float holds it (JSON has no Infinity)."""
    if value is None:
        return None
    if problem(value) is None:
        return as_number(value)
    if not value.is_finite():
        return None
    number = float(value.normalize(_REDUCE))  # rounded first: float() would expand the digits
    return number if number not in (float("inf"), float("-inf")) else None


def _plain_decimal(value: Decimal) -> Decimal:
    """Normalised, with a whole number's exponent set to 0 (68000, not 6.8E+4)."""
    reduced = value.normalize(_REDUCE)
    if reduced.is_zero():
        return Decimal(0)  # not -0 or 0E+3
    if reduced == reduced.to_integral_value():
        return reduced.quantize(Decimal(1), context=_REDUCE)
    return reduced


def _short(value: Decimal) -> str:
    """At most 16 significant digits in scientific notation: bounded for any value."""
    if not value.is_finite():
        return str(value)
    return str(value.normalize(_REDUCE))
