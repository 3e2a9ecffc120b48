"""Vietnam's 54 officially recognised ethnic groups, as the registration form offers them."""
from tracker.participants.names import clean_name, fold_name

#: Official Vietnamese names, the largest groups first (the order of the 2019 census).
ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ê Đê",
    "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Ra Glai",
    "Xtiêng", "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Gié Triêng", "Mạ", "Khơ Mú", "Co", "Tà Ôi",
    "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ",
    "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu",
    "Ơ Đu", "Rơ Măm", "Ngái",
)

#: Folded spelling → official name: "e de", "Ê-Đê" and "ÊĐê" all mean "Ê Đê".
_BY_FOLDED = {fold_name(name).replace("-", "").replace(" ", ""): name for name in ETHNIC_GROUPS}


def canonical_ethnicity(text):
    """Return the official name of a known group however it was typed, else the text cleaned."""
    cleaned = clean_name(text)
    return _BY_FOLDED.get(fold_name(cleaned).replace("-", "").replace(" ", ""), cleaned)
