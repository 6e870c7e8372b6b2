"""The ten streets of Futian district (domain.md). Window addresses and phones are sample data."""

STREETS = [
    # code, short code, prefix, zh, en, window address (sample), phone (sample)
    ("440304001", "FT01", "南", "南园", "Nanyuan", "福田区南园路68号南园街道办事处一楼租赁窗口", "0755-8000 0001"),
    ("440304002", "FT02", "园", "园岭", "Yuanling", "福田区园岭八街园岭街道办事处一楼租赁窗口", "0755-8000 0002"),
    ("440304003", "FT03", "福", "福田", "Futian", "福田区福民路123号福田街道办事处租赁窗口", "0755-8000 0003"),
    ("440304004", "FT04", "沙", "沙头", "Shatou", "福田区沙嘴路沙头街道办事处一楼租赁窗口", "0755-8000 0004"),
    ("440304005", "FT05", "香", "香蜜湖", "Xiangmihu", "福田区香梅路香蜜湖街道办事处租赁窗口", "0755-8000 0005"),
    ("440304006", "FT06", "梅", "梅林", "Meilin", "福田区梅林路梅林街道办事处一楼租赁窗口", "0755-8000 0006"),
    ("440304007", "FT07", "莲", "莲花", "Lianhua", "福田区莲花路莲花街道办事处租赁窗口", "0755-8000 0007"),
    ("440304008", "FT08", "富", "华富", "Huafu", "福田区华富路华富街道办事处一楼租赁窗口", "0755-8000 0008"),
    ("440304009", "FT09", "华", "华强北", "Huaqiangbei", "福田区华强北路华强北街道办事处租赁窗口", "0755-8000 0009"),
    ("440304010", "FT10", "保", "福保", "Fubao", "福田区福保路福保街道办事处一楼租赁窗口", "0755-8000 0010"),
]


def ensure_streets(session) -> int:
    """Insert the streets that are missing; returns how many were added."""
    from counter.streets.models import Street

    existing = {s.code for s in session.query(Street).all()}
    added = 0
    for code, short, prefix, zh, en, addr, phone in STREETS:
        if code in existing:
            continue
        session.add(Street(code=code, short_code=short, reg_prefix=prefix, name_zh=zh, name_en=en,
                           office_name_zh=f"福田区{zh}街道房屋租赁管理所", window_address=addr, window_phone=phone))
        added += 1
    session.flush()
    return added
