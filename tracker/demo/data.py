"""Names for the demo province: communes, villages, places, trainers and demo accounts.

The communes and villages are made up but named the way Dak Lak names them: wards (phường) are
divided into residential groups (tổ dân phố), communes (xã) into numbered or named hamlets
(thôn) and the Ê Đê, M'nông and J'rai villages (buôn).
"""

PROVINCE_CODE = "66"
PROVINCE_NAME = "Tỉnh Đắk Lắk"

CAMPAIGN_NAME = "100 ngày cao điểm Bình dân học vụ số"

#: ``(name, prefix of the numbered villages, how many numbered, named villages)``, one commune
#: each; codes are given in this order, 66001, 66002 …
COMMUNES = [
    ("Phường Buôn Ma Thuột", "Tổ dân phố", 10, ["Buôn Ako Dhông", "Buôn Ky"]),
    ("Phường Tân An", "Tổ dân phố", 7, ["Buôn Ko Tam", "Buôn Kô Siêr"]),
    ("Phường Tân Lập", "Tổ dân phố", 8, ["Buôn Dhă Prông"]),
    ("Phường Thành Nhất", "Tổ dân phố", 6, ["Buôn Kdun", "Buôn Kôp"]),
    ("Phường Buôn Hồ", "Tổ dân phố", 9, ["Buôn Tring", "Buôn Kdruh", "Buôn Drah"]),
    ("Xã Ea Kao", "Thôn", 4, ["Thôn Tân Lập", "Buôn Ea Bông", "Buôn Kom Leo", "Buôn Cư Mil"]),
    ("Xã Hòa Phú", "Thôn", 9, ["Buôn Kô Đung", "Buôn Ea Chăm"]),
    ("Xã Krông Pắc", "Thôn", 6, ["Thôn Tân Hòa", "Thôn Phước Lộc", "Buôn Ea Kmar"]),
    ("Xã Ea Súp", "Thôn", 5, ["Thôn Đoàn Kết", "Thôn Thanh Xuân", "Buôn Ea Rốk", "Buôn Ea Lê"]),
    ("Xã Buôn Đôn", "Thôn", 3, ["Buôn Trí A", "Buôn Trí B", "Buôn Đrăng Phốk", "Buôn Ea Rông",
                                "Buôn Cuôr Knia", "Buôn Tul", "Buôn Ea Huar"]),
    ("Xã Cư M'gar", "Thôn", 5, ["Buôn Ea Mdróh", "Buôn Ea Kpal", "Buôn Knia", "Buôn Sứk",
                                "Buôn Cuôr Đăng"]),
    ("Xã Liên Sơn Lắk", "Thôn", 4, ["Buôn Jun", "Buôn Lê", "Buôn M'Liêng", "Buôn Yang Lah",
                                    "Buôn Đắk Mấp", "Thôn Đoàn Kết"]),
    ("Xã Krông Bông", "Thôn", 6, ["Buôn Cư Păm", "Buôn Ea Rớt", "Thôn Tân Hòa"]),
    ("Xã Ea H'leo", "Thôn", 7, ["Buôn Mrông", "Buôn Ea Tir", "Buôn Ea Khăl", "Thôn Thống Nhất"]),
    ("Xã Krông Năng", "Thôn", 8, ["Thôn Xuân Thành", "Buôn Wiâo", "Buôn Ea Tân"]),
    ("Xã Ea Kar", "Thôn", 10, ["Thôn Quyết Thắng", "Thôn Thanh Bình", "Buôn Ea Kmin",
                               "Buôn Ea Drông"]),
    ("Xã M'Drắk", "Thôn", 6, ["Buôn Ea Ly", "Buôn M'Um", "Buôn Ea Pui"]),
    ("Xã Krông Ana", "Thôn", 5, ["Buôn Cuăh", "Buôn Ea Na", "Buôn Tơng Jú"]),
    ("Xã Cư Kuin", "Thôn", 6, ["Buôn Ea Ktur", "Buôn Kram", "Buôn Ea Tiêu", "Thôn Kim Châu"]),
    ("Xã Ea Drăng", "Thôn", 12, ["Buôn Ea Drăng", "Buôn Ea Sang"]),
    ("Xã Dray Bhăng", "Thôn", 5, ["Buôn Kuốp", "Buôn Ea Bia", "Buôn Ea Kruê"]),
    ("Xã Ea Knốp", "Thôn", 7, ["Thôn Tân Thành", "Buôn Ea Knốp"]),
    ("Xã Quảng Phú", "Thôn", 6, ["Thôn Đồng Tâm", "Buôn Ea Sar", "Buôn Pơng Drang"]),
    ("Xã Ea Wer", "Thôn", 4, ["Buôn Ea Wer", "Buôn Ea Mar", "Buôn Jang Lành"]),
    ("Xã Krông Búk", "Thôn", 7, ["Buôn Ea Nguôi", "Buôn Kdrô"]),
]

#: Adults per village, by the kind of village: groups in town are the largest.
POPULATION = {"Tổ dân phố": (800, 2500), "Thôn": (400, 2000), "Buôn": (300, 1400)}

#: Local wall-clock ``(start, end)`` of a session: before the fields, after lunch, after dinner.
SLOTS = [((7, 30), (9, 30)), ((8, 0), (10, 30)), ((14, 0), (16, 0)), ((14, 30), (16, 30)),
         ((19, 0), (21, 0)), ((19, 30), (21, 0))]

#: Titles by topic (the topics of ``DEFAULT_TOPICS``); ``{village}`` is the village, lower case.
TITLES = {
    "VNeID": [
        "Hướng dẫn kích hoạt VNeID mức 2 tại nhà văn hóa {village}",
        "Cài đặt và sử dụng ứng dụng VNeID",
        "Tích hợp giấy tờ cá nhân lên VNeID",
    ],
    "Dịch vụ công trực tuyến": [
        "Nộp hồ sơ trên Cổng Dịch vụ công quốc gia",
        "Đăng ký khai sinh, thường trú trực tuyến",
        "Tra cứu hồ sơ và nhận kết quả dịch vụ công tại nhà",
    ],
    "Thanh toán không dùng tiền mặt": [
        "Mở tài khoản ngân hàng và thanh toán bằng mã QR",
        "Đóng tiền điện, nước, học phí qua ứng dụng ngân hàng",
    ],
    "Nhận diện lừa đảo trực tuyến": [
        "Nhận diện cuộc gọi, tin nhắn lừa đảo",
        "Bảo vệ tài khoản và thông tin cá nhân trên mạng",
    ],
    "Sử dụng công cụ AI": [
        "Làm quen với trợ lý AI trên điện thoại",
        "Dùng AI tra cứu kỹ thuật chăm sóc cà phê, hồ tiêu",
    ],
    "Thương mại điện tử": [
        "Bán nông sản trên sàn thương mại điện tử",
        "Livestream giới thiệu sản phẩm OCOP của {village}",
    ],
}

#: Places by the kind of village; ``{village}`` and ``{commune}`` are lower case.
PLACES = {
    "Tổ dân phố": ["Nhà văn hóa {village}", "Hội trường UBND {commune}"],
    "Thôn": ["Nhà văn hóa {village}", "Trường tiểu học điểm {village}", "Hội trường UBND {commune}"],
    "Buôn": ["Nhà văn hóa {village}", "Nhà sinh hoạt cộng đồng {village}", "Nhà dài {village}"],
}

TRAINERS = [
    "Y Thuận Niê", "H'Yam Êban", "Y Sơn Mlô", "H'Nhi Byă", "Y Khoa Adrơng", "H'Linh Ktla",
    "Nguyễn Văn Hùng", "Trần Thị Thu Hà", "Lê Minh Tuấn", "Phạm Thị Lan", "Đặng Quốc Bảo",
    "Hoàng Thị Ngọc Ánh", "Võ Thành Nam", "Bùi Thị Hương",
]

#: Who the trainer works for; ``{commune}`` is lower case.
ORGANISATIONS = [
    "Đoàn Thanh niên {commune}", "Tổ công nghệ số cộng đồng", "Công an {commune}",
    "Bưu điện văn hóa {commune}", "Viettel Đắk Lắk", "VNPT Đắk Lắk", "Hội Liên hiệp Phụ nữ {commune}",
]

CANCEL_REASONS = [
    "Mưa lớn, đường vào buôn bị ngập",
    "Trùng lịch họp dân của thôn",
    "Mất điện, không có sóng di động",
    "Bà con đang vào vụ thu hoạch cà phê, dời sang tuần sau",
    "Giảng viên bị ốm, sẽ bố trí buổi khác",
]

#: One readable password per role, printed after seeding.
PASSWORDS = {
    "admin": "demo-admin-2025",
    "committee": "demo-bcd-2025",
    "coordinator": "demo-dieuphoi-2025",
    "volunteer": "demo-tnv-2025",
}

#: ``(username, role, unit, full name)``; the unit is the province code or a commune's name.
ACCOUNTS = [
    ("admin", "admin", PROVINCE_CODE, "Văn phòng BCĐ tỉnh"),
    ("tinh.bcd", "committee", PROVINCE_CODE, "Nguyễn Thị Mai"),
    ("eakao.dieuphoi", "coordinator", "Xã Ea Kao", "Y Thuận Niê"),
    ("eakao.tnv", "volunteer", "Xã Ea Kao", "H'Linh Êban"),
    ("eakao.bcd", "committee", "Xã Ea Kao", "Trần Văn Đức"),
    ("buondon.dieuphoi", "coordinator", "Xã Buôn Đôn", "Lê Thị Hồng"),
    ("buondon.tnv", "volunteer", "Xã Buôn Đôn", "Y Phi Mlô"),
    ("buondon.bcd", "committee", "Xã Buôn Đôn", "Phạm Quốc Huy"),
]


# People ---------------------------------------------------------------------------------------

#: Kinh names: family, middle (by gender), given (by gender).
KINH_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
               "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trịnh", "Đinh", "Lương", "Mai"]
KINH_MIDDLE = {"female": ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ"],
               "male": ["Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Xuân"]}
KINH_GIVEN = {"female": ["Hoa", "Lan", "Hương", "Mai", "Thảo", "Phương", "Hạnh", "Nhung", "Yến", "Trang",
                         "Liên", "Hằng", "Dung", "Ngân", "Thuỷ", "Loan", "Oanh", "Tuyết", "Hiền", "Xuân"],
              "male": ["Hùng", "Dũng", "Tuấn", "Nam", "Bình", "An", "Quang", "Hải", "Long", "Sơn",
                       "Thắng", "Cường", "Phúc", "Khánh", "Toàn", "Đạt", "Lộc", "Tài", "Hiếu", "Vinh"]}
#: Ê Đê and M'nông names: "Y" (men) or "H'" (women), a given name, then the clan name.
HIGHLAND_CLANS = {"Ê Đê": ["Niê", "Êban", "Mlô", "Ayun", "Byă", "Knul", "Adrơng", "Hwing", "Ktla", "Kbuôr"],
                  "M'nông": ["Bdap", "Bkrông", "Rcom", "Dăm", "Ding", "Bya", "Lơng"]}
HIGHLAND_GIVEN = {"female": ["Hen", "Linh", "Zơ", "Bluen", "Nga", "Jen", "Mai", "Nhi", "Yuôn", "Wen", "Duen", "Ngơn"],
                  "male": ["Bhim", "Sơn", "Kô", "Thuận", "Phi", "Nuê", "Khiêm", "Blô", "Krứ", "Jơn", "Tlam", "Yơ"]}
HIGHLAND_TITLE = {"female": "H'", "male": "Y "}
#: Ethnicities of people in each kind of village, with weights.
ETHNICITIES = {
    "Buôn": [("Ê Đê", 70), ("M'nông", 20), ("Kinh", 10)],
    "Thôn": [("Kinh", 70), ("Nùng", 10), ("Tày", 8), ("Ê Đê", 8), ("Thái", 4)],
    "Tổ dân phố": [("Kinh", 85), ("Ê Đê", 10), ("Tày", 5)],
}
