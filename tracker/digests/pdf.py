"""The digest as one A4 page of PDF, to forward: the page's figures in the same order, the burn-up
chart drawn from the same geometry, long lists cut to what fits (the page and the XLSX have all)."""
from datetime import datetime

from flask_babel import gettext as _

from tracker.core.pdf import FONT, fit_text, new_pdf
from tracker.core.templating import number
from tracker.core.time import local
from tracker.digests.chart import COLOURS, burnup
from tracker.digests.wording import (
    breakdown_groups,
    day_of_text,
    days_left_text,
    long_date,
    need_text,
    pace_text,
    percent,
    projection_text,
    rank_change_text,
    status_text,
)

PAGE_W, MARGIN = 210, 12
WIDTH = PAGE_W - 2 * MARGIN
COLUMN = (WIDTH - 8) / 2
INK, MUTED, BRAND, LINE, SOFT = (24, 33, 43), (90, 102, 117), (11, 83, 148), (216, 222, 230), (230, 238, 247)
OK, BAD = (27, 110, 45), (168, 35, 27)
#: Rows of each list that fit on the page.
RANKING_ROWS, VILLAGE_NAMES, TRAINING_ROWS = 12, 14, 4


def _rgb(hex_colour):
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def build_digest_pdf(payload, *, tz_name, link=None):
    """Return the digest of ``payload`` as the bytes of a one-page A4 PDF."""
    pdf = new_pdf(_("Digest %(campaign)s – %(unit)s – %(date)s", campaign=payload["campaign"]["name"],
                    unit=payload["unit"]["name"], date=long_date(payload["date"])))
    pdf.add_page()
    y = _header(pdf, payload)
    y = _reach(pdf, payload, y)
    y = _chart(pdf, payload, y)
    y = _pace(pdf, payload, y)
    y = _yesterday(pdf, payload, y)
    left = _ranking(pdf, payload, y, MARGIN)
    right = _villages(pdf, payload, y, MARGIN + COLUMN + 8)
    right = _breakdown(pdf, payload, right, MARGIN + COLUMN + 8)
    _trainings(pdf, payload, max(left, right) + 1, tz_name)
    _footer(pdf, payload, link)
    return bytes(pdf.output())


def _write(pdf, x, y, text, size=9, style="", colour=INK, width=WIDTH):
    pdf.set_text_color(*colour)
    pdf.text(x, y, fit_text(pdf, text, style, size, width))


def _heading(pdf, x, y, text, width=COLUMN):
    """Write a section title with room above it; return where its first line goes."""
    _write(pdf, x, y + 4, text.upper(), 7.5, "B", MUTED, width)
    pdf.set_draw_color(*LINE)
    pdf.line(x, y + 5.2, x + width, y + 5.2)
    return y + 6


def _header(pdf, payload):
    _write(pdf, MARGIN, 16, _("Digest") + " · " + payload["campaign"]["name"], 9, "B", BRAND)
    _write(pdf, MARGIN, 24, f"{payload['unit']['name']} – {long_date(payload['date'])}", 16, "B")
    big = days_left_text(payload)
    _write(pdf, MARGIN, 35, big, 20, "B", BRAND, 90)
    offset = pdf.get_string_width(fit_text(pdf, big, "B", 20, 90)) + 5
    label = day_of_text(payload) + " · " + _("deadline %(date)s", date=long_date(payload["deadline"]))
    _write(pdf, MARGIN + offset, 35, label, 9, "", MUTED, WIDTH - offset)
    return 41


def _reach(pdf, payload, y):
    reached, target = number(payload["reached"]), payload.get("target")
    figure = f"{reached} / {number(target)}" if target is not None else reached
    _write(pdf, MARGIN, y + 7, _("%(figure)s people reached", figure=figure), 14, "B")
    status = status_text(payload)
    right = f"{percent(payload.get('reached_percent'))}  {status}".strip()
    _write(pdf, MARGIN + WIDTH - 60, y + 7, right, 11, "B", OK if payload.get("on_track") else BAD, 60)
    pdf.set_fill_color(*SOFT)
    pdf.rect(MARGIN, y + 10, WIDTH, 2.5, style="F", round_corners=True, corner_radius=1.2)
    share = min(1, (payload["reached"] / target) if target else 0)
    if share > 0:
        pdf.set_fill_color(*BRAND)
        pdf.rect(MARGIN, y + 10, max(WIDTH * share, 2.5), 2.5, style="F", round_corners=True, corner_radius=1.2)
    return y + 16


def _chart(pdf, payload, y):
    chart = burnup(payload, width=WIDTH, height=68, margins=(14, 2, 3, 7))
    left, top, right, bottom = (value + offset for value, offset in zip(chart.box, (MARGIN, y, MARGIN, y)))
    pdf.set_line_width(0.15)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    for ty, text in chart.y_ticks:
        pdf.set_draw_color(*LINE)
        pdf.line(left, y + ty, right, y + ty)
        pdf.text(left - 1.5 - pdf.get_string_width(text), y + ty + 1, text)
    for index, (tx, text) in enumerate(chart.x_ticks):
        shift = 0 if index == 0 else 1 if index == len(chart.x_ticks) - 1 else 0.5
        pdf.text(MARGIN + tx - pdf.get_string_width(text) * shift, bottom + 4, text)
    _series(pdf, chart, MARGIN, y)
    pdf.set_draw_color(*MUTED)
    pdf.line(left, bottom, right, bottom)
    return _legend(pdf, y + chart.height + 2)


def _series(pdf, chart, dx, dy):
    def moved(points):
        return [(x + dx, y + dy) for x, y in points]

    reached, bottom = moved(chart.reached), chart.box[3] + dy
    pdf.set_fill_color(*_rgb(COLOURS["area"]))
    pdf.polygon([(reached[0][0], bottom), *reached, (reached[-1][0], bottom)], style="F")
    for points, colour, width, dash in ((chart.target, "target", 0.35, (1.6, 1.2)),
                                        (chart.projection, "projection", 0.5, (0.6, 0.9)),
                                        (chart.reached, "reached", 0.7, None)):
        if points:
            pdf.set_draw_color(*_rgb(COLOURS[colour]))
            pdf.set_line_width(width)
            pdf.set_dash_pattern(*(dash or (0, 0)))
            pdf.polyline(moved(points))
    pdf.set_dash_pattern(0, 0)
    pdf.set_line_width(0.15)


def _legend(pdf, y):
    x = MARGIN
    for colour, text in (("reached", _("People reached")), ("target", _("Straight line to the target")),
                         ("projection", _("At the 7-day pace"))):
        pdf.set_fill_color(*_rgb(COLOURS[colour]))
        pdf.rect(x, y - 1.8, 5, 1.2, style="F")
        _write(pdf, x + 6.5, y, text, 7.5, "", MUTED, 55)
        x += 8 + pdf.get_string_width(text)
    return y + 5


def _pace(pdf, payload, y):
    for text, style in ((projection_text(payload), "B"), (need_text(payload), ""), (pace_text(payload), "")):
        if text:
            _write(pdf, MARGIN, y + 3, text, 9.5, style)
            y += 5
    return y + 1


def _yesterday(pdf, payload, y):
    y = _heading(pdf, MARGIN, y, _("Yesterday"), WIDTH) + 1
    stats = ((payload["new_reached_yesterday"], _("new people reached")),
             (payload["checkins_yesterday"], _("check-ins")),
             (payload["trainings_held_yesterday"], _("trainings held")),
             (payload["trainings_held_total"], _("trainings held in all")))
    width = WIDTH / len(stats)
    for index, (value, text) in enumerate(stats):
        x = MARGIN + index * width
        pdf.set_fill_color(243, 245, 248)
        pdf.rect(x, y - 1, width - 2, 11, style="F")
        _write(pdf, x + 2, y + 4, number(value), 11, "B", INK, width - 5)
        _write(pdf, x + 2, y + 8.3, text, 7, "", MUTED, width - 5)
    return y + 11


def _ranking(pdf, payload, y, x):
    rows = payload.get("ranking") or []
    y = _heading(pdf, x, y, _("Ranking"))
    if not rows:
        _write(pdf, x, y + 2, _("No units to rank."), 8, "", MUTED, COLUMN)
        return y + 4
    for row in rows[:RANKING_ROWS]:
        rank = "–" if row["rank"] is None else str(row["rank"])
        _write(pdf, x, y + 2.5, rank, 8, "B", INK, 6)
        _write(pdf, x + 6, y + 2.5, row["name"], 8, "", INK, COLUMN - 40)
        _write(pdf, x + COLUMN - 33, y + 2.5, percent(row["percent"]) or "—", 8, "B", INK, 14)
        _write(pdf, x + COLUMN - 18, y + 2.5, number(row["reached"]), 8, "", MUTED, 11)
        change = row.get("rank_change")
        _write(pdf, x + COLUMN - 6, y + 2.5, rank_change_text(change), 8, "B",
               OK if change and change > 0 else BAD if change else MUTED, 6)
        y += 4.2
    if len(rows) > RANKING_ROWS:
        _write(pdf, x, y + 2.5, _("… and %(count)s more", count=number(len(rows) - RANKING_ROWS)), 7.5, "", MUTED,
               COLUMN)
        y += 4.2
    return y + 1


def _villages(pdf, payload, y, x):
    villages = payload.get("villages_not_reached") or []
    title = _("Villages not reached yet: %(count)s of %(total)s", count=number(len(villages)),
              total=number(payload.get("villages_total") or 0))
    y = _heading(pdf, x, y, title)
    if not villages:
        _write(pdf, x, y + 2, _("Every village has had a training."), 8, "", OK, COLUMN)
        return y + 5
    names = ", ".join(village["name"] for village in villages[:VILLAGE_NAMES])
    more = " " + _("… and %(count)s more", count=number(len(villages) - VILLAGE_NAMES)) if len(villages) > VILLAGE_NAMES else ""
    pdf.set_xy(x, y + 0.2)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*INK)
    pdf.multi_cell(COLUMN, 3.6, names + more, max_line_height=3.6)
    return min(pdf.get_y(), y + 4 * 3.6) + 1


def _breakdown(pdf, payload, y, x):
    y = _heading(pdf, x, y, _("Breakdown of people reached"))
    for title, items in breakdown_groups(payload):
        text = " · ".join(f"{label} {number(count)}" for label, count in items) or "—"
        _write(pdf, x, y + 2.5, f"{title}:", 7.5, "B", MUTED, 20)
        _write(pdf, x + 19, y + 2.5, text, 7.5, "", INK, COLUMN - 19)
        y += 4.2
    indicators = payload.get("indicators") or []
    if indicators:
        y = _heading(pdf, x, y, _("Indicators"))
        for row in indicators[:6]:
            target = f" / {number(row['target'])}" if row.get("target") is not None else ""
            _write(pdf, x, y + 2.5, row["name"], 8, "", INK, COLUMN - 40)
            _write(pdf, x + COLUMN - 38, y + 2.5, f"{number(row['reached'])}{target} {percent(row['reached_percent'])}",
                   8, "B", INK, 38)
            y += 4.2
    return y


def _trainings(pdf, payload, y, tz_name):
    for index, (key, title) in enumerate((("upcoming", _("Trainings today and tomorrow")),
                                          ("stale", _("Trainings past their end with no check-in")))):
        x, row_y = MARGIN + index * (COLUMN + 8), _heading(pdf, MARGIN + index * (COLUMN + 8), y, title)
        trainings = payload.get(key) or []
        for training in trainings[:TRAINING_ROWS]:
            starts = local(datetime.fromisoformat(training["starts_at"]), tz_name).strftime("%d/%m %H:%M")
            _write(pdf, x, row_y + 2.5, starts, 7.5, "B", INK, 20)
            _write(pdf, x + 20, row_y + 2.5, f"{training['title']} – {training['village']['name']}", 7.5, "",
                   INK, COLUMN - 20)
            row_y += 4.2
        if not trainings:
            _write(pdf, x, row_y + 2.5, _("None."), 7.5, "", MUTED, COLUMN)
        elif (total := max(payload.get(f"{key}_total") or 0, len(trainings))) > TRAINING_ROWS:
            _write(pdf, x, row_y + 2.5, _("… and %(count)s more", count=number(total - TRAINING_ROWS)),
                   7.5, "", MUTED, COLUMN)


def _footer(pdf, payload, link):
    pdf.set_draw_color(*LINE)
    pdf.line(MARGIN, 284, MARGIN + WIDTH, 284)
    text = _("As of 00:00 on %(date)s, everything up to the end of the day before.", date=long_date(payload["date"]))
    _write(pdf, MARGIN, 288, text, 7, "", MUTED, WIDTH)
    if link:
        _write(pdf, MARGIN, 291.5, link, 7, "", BRAND, WIDTH)
