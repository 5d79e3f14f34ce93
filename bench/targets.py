"""One line per figure with its target and PASS or MISS: what `make bench` prints for issue 22's table."""
from __future__ import annotations


def verdict(figure: str, value: float, target: float, unit: str = "", at_most: bool = True, fmt: str = ".1f") -> bool:
    """Print `figure: value (target <= or >= target) PASS|MISS`; True when met."""
    met = value <= target if at_most else value >= target
    sign = "<=" if at_most else ">="
    print(f"  {'PASS' if met else 'MISS'}  {figure}: {value:{fmt}}{unit} (target {sign} {target:{fmt}}{unit})")
    return met
