"""The burn-up chart: where its points go, and its SVG."""
import xml.etree.ElementTree as ET

import pytest

from tests.digests.page_samples import sample_payload
from tracker.digests.chart import burnup, burnup_svg, nice_step

SVG = "{http://www.w3.org/2000/svg}"


def _small(**changes):
    """A 10-day campaign on its 4th day: 10 people a day for 3 days, target 100."""
    series = [{"date": f"2025-07-0{n}", "new_reached": 10, "reached": 10 * n} for n in (1, 2, 3)]
    return {"start_date": "2025-07-01", "deadline": "2025-07-10", "days_total": 10, "date": "2025-07-04",
            "target": 100, "reached": 30, "pace_7d": 10.0, "series": series} | changes


def _place(payload):
    # A 100 × 100 plot from (10, 10): 10 units a day across, 1 unit a person down (y_max 100).
    return burnup(payload, width=110, height=120, margins=(10, 10, 0, 10), format_number=str)


def test_points_are_placed_by_day_and_people():
    chart = _place(_small())
    assert chart.box == (10, 10, 110, 110)
    assert chart.reached == [(10, 110), (20, 100), (30, 90), (40, 80)]
    assert chart.target == [(10, 110), (110, 10)]
    # 70 people short at 10 a day: the target is met at the end of the deadline.
    assert chart.projection == [(40, 80), (110, 10)]
    assert [label for _y, label in chart.y_ticks] == ["0", "25", "50", "75", "100"]
    assert chart.x_ticks[0] == (10, "1/7") and chart.x_ticks[-1] == (110, "10/7")


def test_a_projection_past_the_deadline_stops_at_the_right_edge_below_the_target():
    chart = _place(_small(pace_7d=5.0))
    (x0, y0), (x1, y1) = chart.projection
    assert (x0, y0) == (40, 80) and x1 == 110
    assert y1 == pytest.approx(110 - 65)  # 30 + 7 days × 5 = 65 people at the deadline


@pytest.mark.parametrize("changes", [
    {"series": [], "reached": 0, "target": 0, "pace_7d": 0},
    {"series": [], "reached": 0, "target": None, "pace_7d": 0},
    {"reached": 120, "target": 100},
    {"pace_7d": 0},
])
def test_empty_series_zero_target_and_no_pace_draw_without_failing(changes):
    chart = _place(_small(**changes))
    assert chart.projection is None
    assert chart.reached[0] == (10, 110)
    if not changes.get("target", 100):
        assert chart.target is None


def test_the_y_axis_covers_whichever_is_higher_reached_or_target():
    chart = _place(_small(reached=120, target=100,
                          series=[{"date": "2025-07-01", "new_reached": 120, "reached": 120}]))
    assert chart.y_ticks[-1][1] == "150" and chart.reached[-1][1] > chart.box[1]  # 120 sits below the top


@pytest.mark.parametrize(("top", "step"), [(0, 1), (3, 1), (7, 2), (100, 25), (3000, 1000), (207036, 100000)])
def test_steps_are_round(top, step):
    assert nice_step(top) == step


def test_the_svg_is_valid_xml_with_its_three_series_and_accessible_names(app):
    svg = str(burnup_svg(sample_payload(), title="Biểu đồ tiến độ", description="Đạt 1.234 người"))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Biểu đồ tiến độ"
    assert root.find(f"{SVG}desc").text == "Đạt 1.234 người"
    series = {line.get("data-series"): line for line in root.iter(f"{SVG}polyline")}
    assert set(series) == {"reached", "target", "projection"}
    assert len(series["reached"].get("points").split()) == 1 + len(sample_payload()["series"])
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "15/7" in labels and "25/10" in labels and "3,000" in labels


def test_the_svg_of_the_first_day_has_no_series_to_project(app):
    svg = str(burnup_svg(sample_payload(series=[], reached=0, pace_7d=0, projected_completion_date=None),
                         title="t", description="d"))
    series = {line.get("data-series") for line in ET.fromstring(svg).iter(f"{SVG}polyline")}
    assert series == {"reached", "target"}


def test_long_axis_labels_get_room_on_the_left(worked, db):
    """A province's target of 200,000 people labels the axis "200.000": the plot moves right to fit it."""
    import re
    from datetime import date

    from tracker.digests.chart import SVG_MARGINS, burnup_svg
    from tracker.digests.figures import build_payload
    payload = build_payload(worked.campaign, worked.units["province"], date(2025, 7, 20)) | {"target": 200_000}
    svg = str(burnup_svg(payload, title="t", description="d"))
    first_gridline = float(re.search(r'<line x1="([\d.]+)"', svg).group(1))
    assert first_gridline >= 7 * len("200.000") + 6 > SVG_MARGINS[0]
