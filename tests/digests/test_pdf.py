"""The digest PDF: one A4 page with the unit's name in its diacritics and the key figures."""
import io

from flask_babel import force_locale
from pypdf import PdfReader

from tests.digests.page_samples import sample_payload
from tracker.digests.pdf import build_digest_pdf

A4 = (595.28, 841.89)


def _pages(payload, locale="vi"):
    with force_locale(locale):
        data = build_digest_pdf(payload, tz_name="Asia/Ho_Chi_Minh", link="https://tracker.example/d")
    return PdfReader(io.BytesIO(data)).pages


def _text(pages):
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_one_a4_page_with_the_unit_and_its_figures_in_vietnamese(app):
    pages = _pages(sample_payload())
    assert len(pages) == 1
    assert tuple(round(float(v), 2) for v in pages[0].mediabox[2:]) == A4
    text = _text(pages)
    for expected in ("Xã Ea Kao – 20/08/2025", "còn 67 ngày", "Ngày 37/103", "1.234 / 3.000", "41,1%",
                     "Đúng tiến độ", "Với tốc độ này, mục tiêu đạt vào 1/10, sớm 24 ngày so với hạn.",
                     "Cần thêm 27 người mỗi ngày", "Buôn Tơng Jú", "▲2", "Thôn Điện Tân", "VNeID mức 2",
                     "Cài đặt VNeID", "08:00", "https://tracker.example/d"):
        assert expected in text, expected


def test_a_whole_province_still_fits_one_page(app):
    ranking = [{"code": f"66{n:03}", "name": f"Xã Thử Nghiệm {n}", "target": 2000, "reached": 2000 - n,
                "percent": 100 - n / 20, "rank": n, "rank_yesterday": n, "rank_change": 0} for n in range(1, 101)]
    villages = [{"code": f"v{n}", "name": f"Buôn Đăk {n}", "commune": "Xã"} for n in range(2500)]
    trainings = sample_payload()["upcoming"] * 30
    payload = sample_payload(unit={"code": "66", "name": "Tỉnh Đắk Lắk", "level": "province"}, ranking=ranking,
                             villages_not_reached=villages, villages_total=2600, upcoming=trainings, stale=trainings)
    pages = _pages(payload)
    assert len(pages) == 1
    text = _text(pages)
    assert "Tỉnh Đắk Lắk" in text and "Xã Thử Nghiệm 12" in text and "Xã Thử Nghiệm 13 " not in text
    assert "… và 88 nữa" in text and "2.500/2.600" in text


def test_the_english_pdf(app):
    text = _text(_pages(sample_payload(), "en"))
    assert "67 days left" in text and "1,234 / 3,000 people reached" in text
