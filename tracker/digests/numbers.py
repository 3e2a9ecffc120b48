"""Rounding the digest's figures: decimals half up, as a person would round them by hand."""
from decimal import ROUND_HALF_UP, Decimal


def rounded(numerator, denominator, places):
    """Return ``numerator / denominator`` rounded half up to ``places`` decimals, as a float."""
    quotient = Decimal(int(numerator)) / Decimal(int(denominator))
    return float(quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(part, whole):
    """Return 100 × part / whole with one decimal, or None without a whole to compare with."""
    return rounded(100 * part, whole, 1) if whole else None


def ceil_div(numerator, denominator):
    """Return ⌈numerator / denominator⌉ for integers, exactly."""
    return -(-numerator // denominator)
