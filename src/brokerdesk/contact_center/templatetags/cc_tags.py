"""Formatting of contact-center figures: ratios as percentages, durations as m:ss."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.8123 -> "81.2%"; None (nothing to divide) -> "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def mmss(seconds) -> str:
    """Seconds -> "m:ss" ("—" for None)."""
    if seconds is None:
        return "—"
    seconds = max(0, round(float(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, 0)
