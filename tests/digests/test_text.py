"""The chat text (Zalo): a few exact lines from the payload."""
from flask_babel import force_locale

from tests.digests.page_samples import sample_payload
from tracker.digests.text import digest_text

LINK = "https://tracker.example/campaigns/1/digests/2025-08-20?unit=66001"


def test_the_vietnamese_chat_text_line_by_line(app):
    with force_locale("vi"):
        text = digest_text(sample_payload(), link=LINK)
    assert text.splitlines() == [
        "📊 Bản tin 100 ngày cao điểm – Xã Ea Kao – 20/08/2025",
        "⏳ Ngày 37/103 · còn 67 ngày",
        "✅ Đã tiếp cận 1.234/3.000 người (41,1%)",
        "📅 Hôm qua: +48 người, 61 lượt điểm danh, 3 lớp",
        "📈 Với tốc độ này, mục tiêu đạt vào 1/10, sớm 24 ngày so với hạn.",
        "🏆 Dẫn đầu: Buôn Ko Tam (69,5%), Buôn Tơng Jú (50,0%), Thôn Điện Tân (5,6%)",
        "⚠️ Chưa có lớp: 1 thôn (Thôn Điện Tân)",
        f"🔗 {LINK}",
    ]


def test_the_english_chat_text_late_with_many_villages_and_no_link(app):
    villages = [{"code": f"66001{n:02}", "name": f"Thôn {n}", "commune": "Xã Ea Kao"} for n in range(1, 6)]
    payload = sample_payload(projected_completion_date="2025-10-30", on_track=False, villages_not_reached=villages)
    assert digest_text(payload).splitlines()[4:] == [
        "📈 At this pace the target is reached on 30/10, 5 days after the deadline.",
        "🏆 Leading: Buôn Ko Tam (69.5%), Buôn Tơng Jú (50.0%), Thôn Điện Tân (5.6%)",
        "⚠️ No training yet: 5 villages (Thôn 1, Thôn 2, Thôn 3…)",
    ]


def test_without_a_target_ranking_or_gaps(app):
    payload = sample_payload(target=None, reached_percent=None, required_daily_pace=None,
                             projected_completion_date=None, on_track=None, ranking=[], villages_not_reached=[],
                             days_left=1, day_number=103)
    lines = digest_text(payload).splitlines()
    assert lines[1:3] == ["⏳ Day 103 of 103 · Last day today", "✅ Reached 1,234 people"]
    assert lines[4] == "📈 No target is set for this unit."
    assert len(lines) == 5


def test_after_the_deadline_short_of_the_target(app):
    payload = sample_payload(days_left=0, day_number=104, required_daily_pace=None)
    lines = digest_text(payload).splitlines()
    assert lines[1] == "⏳ Day 104 of 103 · The deadline has passed"
    assert lines[4] == "📈 The deadline has passed, 1,766 people short of the target."
