"""Table group ``party`` and ``property``: persons with GB 11643 resident IDs, organizations with GB 32100
credit codes (valid check characters), buildings with 19-character codes and flats with 25-character
house codes."""
from __future__ import annotations

import math
import uuid
from datetime import date, datetime, timedelta

from counter.leases.idnumbers import make_credit_code, make_resident_id
from counter.leases.models import address_key
from counter_dev.generate.rows import StreetState

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁欣怡梓涵子轩"
ROADS = ("福华路", "彩田路", "莲花路", "红荔路", "深南大道", "华强北路", "沙嘴路", "梅林路", "香梅路", "福民路",
         "新洲路", "皇岗路", "益田路", "金田路", "滨河大道", "北环大道", "振华路", "燕南路", "园岭路", "八卦路")
ESTATES = ("花园", "大厦", "新村", "公寓", "小区", "苑", "广场", "雅居", "名苑", "家园")
ESTATE_HEADS = ("福田", "景田", "香蜜", "莲花", "彩虹", "梅林", "华富", "园岭", "南园", "沙头", "金地", "碧海", "海滨",
                "天安", "皇御", "益田", "新洲", "上沙", "下沙", "石厦", "华强", "振兴", "百花", "红荔", "翠海")
COMPANY_WORDS = ("实业", "置业", "物业管理", "投资", "商贸", "科技", "房地产经纪", "资产管理", "住房租赁", "发展")
AREA_CODES = ("440304", "440303", "440305", "440306", "440307", "430102", "360102", "450103", "350102", "420102",
              "510104", "410102", "441302", "441502", "445202", "441881", "430602", "362502", "452501", "440507")
DOC_ID_SPACE = 1_000 * 20_000 * len(AREA_CODES)  # order code x birth day x area: every resident ID once
DOC_SCRAMBLE = 982_451_653  # a prime: n -> n * P mod space is a bijection


def resident_id_for(n: int) -> str:
    """The ``n``-th synthetic resident ID (distinct for distinct n < DOC_ID_SPACE), valid GB 11643."""
    k = (n * DOC_SCRAMBLE) % DOC_ID_SPACE
    order, rest = k % 1000, k // 1000
    born = date(1950, 1, 1) + timedelta(days=rest % 20_000)  # 1950 .. 2004
    return make_resident_id(f"{AREA_CODES[rest // 20_000]}{born:%Y%m%d}{order:03d}")


GB32100 = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code_for(n: int) -> str:
    """The ``n``-th synthetic unified social credit code (91 4403xx + 9 characters), valid GB 32100."""
    k = (n * 7919 + 104_729) % (31 ** 9)
    chars = []
    for _ in range(9):
        k, r = divmod(k, 31)
        chars.append(GB32100[r])
    return make_credit_code("91440304" + "".join(chars))


class PartiesAndProperties:
    """The generator's people and places (a part of :class:`counter_dev.generate.generator.Generator`)."""

    def _person_name(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.7 else "")

    def _phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10 ** 9):09d}"

    def _new_person(self, st: StreetState, created: datetime) -> tuple[int, str]:
        while True:
            self.person_n += 1
            number = resident_id_for(self.person_n)
            if number not in self.existing_ids:
                break
        pid, name = self._id("party"), self._person_name()
        phone = self._phone()
        self.w.add("party", (pid, st.id, "person", name, "resident_id", number, phone, None, created))
        self.stats.parties += 1
        return pid, name, "person", "resident_id", number, phone

    def _new_org(self, st: StreetState, created: datetime, agency: bool) -> tuple[int, str]:
        while True:
            self.org_n += 1
            number = credit_code_for(self.org_n)
            if number not in self.existing_ids:
                break
        r = self.rng
        word = "房地产经纪" if agency else r.choice(COMPANY_WORDS)
        name = f"深圳市{r.choice(ESTATE_HEADS)}{r.choice(ESTATE_HEADS)}{word}有限公司"
        pid = self._id("party")
        phone = f"0755-{r.randrange(10 ** 8):08d}"
        self.w.add("party", (pid, st.id, "organization", name, "credit_code", number, phone, None, created))
        self.stats.parties += 1
        return pid, name, "organization", "credit_code", number, phone

    def _new_property(self, st: StreetState, use: str, created: datetime) -> tuple[int, int, bool, str, str]:
        r = self.rng
        if st.units_left <= 0:
            st.buildings += 1
            community = r.randrange(1, 13)
            if r.random() < 0.01:  # an old building coded with a UUID: its units have no house code
                st.building_code = str(uuid.UUID(int=r.getrandbits(128))).upper()
            else:
                # Fubao shares Shatou's prefix: its buildings are numbered from 5,000,000 so codes stay unique
                number = st.buildings + (5_000_000 if st.building_prefix != st.code else 0)
                st.building_code = f"440304{st.building_prefix[-3:]}{community:03d}{number:07d}"
            estate = f"{r.choice(ESTATE_HEADS)}{r.choice(ESTATES)}"
            st.building_addr = (f"深圳市福田区{st.name_zh}街道{r.choice(ROADS)}{r.randrange(1, 400)}号"
                                f"{estate}{r.randrange(1, 20)}栋")
            st.units_left = int(r.choice((8, 20, 40, 80, 120, 200)))
            st.unit_no = 0
        st.units_left -= 1
        st.unit_no += 1
        floor, door = divmod(st.unit_no - 1, 8)
        room = f"{floor + 1}{door + 1:02d}"
        house = f"{st.building_code}{st.unit_no:06d}" if len(st.building_code) == 19 else None
        area = int(min(150, max(20, r.lognormvariate(math.log(60), 0.45))) * 100) + r.randrange(100)
        area = min(area, 15_000)
        has_title = r.random() < 0.7
        pid = self._id("property")
        key = address_key(st.building_addr, room)
        if house is None:  # unique per street among properties without a house code
            if (st.id, key) in self.address_keys:
                key = None
            else:
                self.address_keys.add((st.id, key))
        self.w.add("property", (pid, st.id, house, st.building_code, st.building_addr, room, key, area, use,
                                has_title, created))
        self.stats.properties += 1
        return pid, area, has_title, house, room
