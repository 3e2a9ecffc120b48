"""The burn-up chart of a digest: people reached per day, the straight line to the target and the
projection at the 7-day pace.

:func:`burnup` places everything on a plot of any size (pixels for the page, millimetres for the
PDF); :func:`burnup_svg` draws it as inline SVG that needs no JavaScript. Both read only the
payload (see docs/digest.md), so every view shows the same chart.
"""
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from markupsafe import Markup, escape

from tracker.core.templating import number

#: The page's chart in CSS pixels at a 360 px phone (it scales with the page beyond that).
SVG_SIZE = (340, 210)
#: Room for the axis labels: left, top, right, bottom.
SVG_MARGINS = (38, 10, 14, 24)
COLOURS = {"reached": "#0b5394", "area": "#dbe7f4", "target": "#5a6675", "projection": "#c27c0e",
           "grid": "#d8dee6", "text": "#5a6675"}


@dataclass
class Burnup:
    """The chart placed on a plot: points are ``(x, y)`` in the output's units, y growing down."""

    width: float
    height: float
    box: tuple  #: left, top, right, bottom of the plot area
    x_ticks: list = field(default_factory=list)  #: ``(x, "d/M")``
    y_ticks: list = field(default_factory=list)  #: ``(y, "1.000")``
    reached: list = field(default_factory=list)
    target: list | None = None
    projection: list | None = None


def _day(text):
    return date.fromisoformat(text)


def nice_step(top, ticks=4):
    """Return a whole round step (1, 2, 2.5 or 5 × 10ⁿ) dividing ``top`` into about ``ticks`` parts."""
    raw = max(top, 1) / ticks
    power = 10 ** max(0, math.floor(math.log10(raw)))
    steps = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    return int(next(m * power for m in steps if m * power >= raw))


def _projection(payload, last_x, x_max):
    """The segment from the last point at the 7-day pace to the target (or the chart's right edge)."""
    target, reached, pace = payload.get("target"), payload.get("reached") or 0, payload.get("pace_7d") or 0
    if not target or pace <= 0 or reached >= target or last_x >= x_max:
        return None
    end_x = min(last_x + (target - reached) / pace, x_max)
    return [(last_x, reached), (end_x, reached + pace * (end_x - last_x))]


def _x_dates(start, deadline, x_max):
    """Tick days: the start, the first of each month in between, the deadline."""
    firsts, day = [], (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    while (day - start).days < x_max and day < deadline:
        firsts.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    if len(firsts) < 2:
        firsts = [start + timedelta(days=round(x_max * k / 4)) for k in (1, 2, 3)]
    if len(firsts) > 4:
        firsts = firsts[1::2]
    return [(0, start), *((float((d - start).days), d) for d in firsts), (float(x_max), deadline)]


def _spaced(ticks, gap):
    """Drop inner ticks closer than ``gap`` to the one kept before them or to the last one."""
    kept = [ticks[0]]
    for tick in ticks[1:-1]:
        if tick[0] - kept[-1][0] >= gap and ticks[-1][0] - tick[0] >= gap:
            kept.append(tick)
    return [*kept, ticks[-1]]


def burnup(payload, *, width, height, margins, format_number=number):
    """Place the burn-up chart of ``payload`` on a ``width`` × ``height`` plot."""
    start, deadline = _day(payload["start_date"]), _day(payload["deadline"])
    series = payload.get("series") or []
    days_total = max(1, payload.get("days_total") or (deadline - start).days + 1)
    points = [(0.0, 0)] + [(float((_day(row["date"]) - start).days + 1), row["reached"]) for row in series]
    x_max = max(days_total, points[-1][0])
    target = payload.get("target")
    projection = _projection(payload, points[-1][0], x_max)
    top = max([target or 0, payload.get("reached") or 0, *(y for _x, y in points),
               *(y for _x, y in projection or [])] + [1])
    step = nice_step(top)
    y_max = step * math.ceil(top / step)
    left, top_margin, right, bottom = margins
    box = (left, top_margin, width - right, height - bottom)

    def place(x, y):
        return (round(box[0] + (box[2] - box[0]) * x / x_max, 2), round(box[3] - (box[3] - box[1]) * y / y_max, 2))

    chart = Burnup(width, height, box, reached=[place(x, y) for x, y in points])
    if target:
        chart.target = [place(0, 0), place(days_total, target)]
    if projection:
        chart.projection = [place(x, y) for x, y in projection]
    ticks = [(place(x, 0)[0], f"{d.day}/{d.month}") for x, d in _x_dates(start, deadline, days_total)]
    chart.x_ticks = _spaced(ticks, (box[2] - box[0]) / 7)
    chart.y_ticks = [(place(0, value)[1], format_number(value)) for value in _range(step, y_max)]
    return chart


def _range(step, y_max):
    return [step * k for k in range(y_max // step + 1)]


def _points(points):
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def burnup_svg(payload, *, title, description):
    """Return the burn-up chart of ``payload`` as accessible inline ``<svg>`` markup."""
    width, height = SVG_SIZE
    chart = burnup(payload, width=width, height=height, margins=SVG_MARGINS)
    # A province's targets ("200.000") need more room on the left than a commune's: about 7 px a character.
    widest = max((len(text) for _y, text in chart.y_ticks), default=0)
    if (needed := 7 * widest + 6) > SVG_MARGINS[0]:
        chart = burnup(payload, width=width, height=height, margins=(needed, *SVG_MARGINS[1:]))
    left, top, right, bottom = chart.box
    parts = [f'<svg class="burnup" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="burnup-title burnup-desc" font-size="11" '
             f'font-family="system-ui, sans-serif">',
             f'<title id="burnup-title">{escape(title)}</title><desc id="burnup-desc">{escape(description)}</desc>']
    for y, text in chart.y_ticks:
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:g}" y2="{y:g}" stroke="{COLOURS["grid"]}"/>'
                     f'<text x="{left - 4}" y="{y + 3.5:g}" text-anchor="end" fill="{COLOURS["text"]}">{escape(text)}</text>')
    for index, (x, text) in enumerate(chart.x_ticks):
        anchor = "start" if index == 0 else "end" if index == len(chart.x_ticks) - 1 else "middle"
        parts.append(f'<line x1="{x:g}" x2="{x:g}" y1="{bottom}" y2="{bottom + 4}" stroke="{COLOURS["text"]}"/>'
                     f'<text x="{x:g}" y="{bottom + 15}" text-anchor="{anchor}" fill="{COLOURS["text"]}">{text}</text>')
    parts.append(_series_svg(chart))
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{COLOURS["text"]}"/></svg>')
    return Markup("".join(parts))


def _series_svg(chart):
    bottom, reached = chart.box[3], chart.reached
    area = [(reached[0][0], bottom), *reached, (reached[-1][0], bottom)]
    parts = [f'<polygon class="area" points="{_points(area)}" fill="{COLOURS["area"]}"/>']
    if chart.target:
        parts.append(f'<polyline class="series-target" data-series="target" points="{_points(chart.target)}" '
                     f'fill="none" stroke="{COLOURS["target"]}" stroke-width="1.5" stroke-dasharray="5 4"/>')
    if chart.projection:
        parts.append(f'<polyline class="series-projection" data-series="projection" '
                     f'points="{_points(chart.projection)}" fill="none" stroke="{COLOURS["projection"]}" '
                     f'stroke-width="2" stroke-dasharray="2 3" stroke-linecap="round"/>')
    x, y = reached[-1]
    parts.append(f'<polyline class="series-reached" data-series="reached" points="{_points(reached)}" '
                 f'fill="none" stroke="{COLOURS["reached"]}" stroke-width="2.5" stroke-linejoin="round"/>'
                 f'<circle cx="{x:g}" cy="{y:g}" r="3.5" fill="{COLOURS["reached"]}"/>')
    return "".join(parts)


def chart_title():
    """Return the chart's accessible name."""
    return _("Burn-up chart: people reached each day, the line to the target and the projection")
