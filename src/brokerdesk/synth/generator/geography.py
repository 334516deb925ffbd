"""The brokerage's map: an HQ contact center and one sub-center per province, branch companies (分公司) and
sales offices (营业部) in real cities, and the real region codes and landline area codes of those places.

Static tables, in a fixed order (row order is part of the deterministic output).
"""

from dataclasses import dataclass

HQ_CENTER = ("HQ", "总部客服中心", "广东")


@dataclass(frozen=True)
class Province:
    code: str  # short code used in center and branch codes
    name: str  # as written in names: 广东, 上海
    full: str  # as written in addresses: 广东省, 上海市
    regions: tuple[str, ...]  # real county-level region codes (GB/T 2260) for resident IDs
    weight: float  # share of the brokerage's clients


@dataclass(frozen=True)
class City:
    name: str
    province: str  # Province.code
    area_code: str  # landline area code
    local_digits: int  # landline subscriber number length
    offices: tuple[str, ...]  # sales office locations (road or district), one 营业部 each


PROVINCES: tuple[Province, ...] = (
    Province("GD", "广东", "广东省", ("440103", "440104", "440105", "440106", "440303", "440304", "440305", "440306"),
             0.16),
    Province("SH", "上海", "上海市", ("310104", "310105", "310106", "310107", "310109", "310110"), 0.12),
    Province("BJ", "北京", "北京市", ("110102", "110105", "110106", "110108"), 0.09),
    Province("ZJ", "浙江", "浙江省", ("330102", "330106", "330203", "330205", "330303", "330304"), 0.09),
    Province("JS", "江苏", "江苏省", ("320102", "320104", "320105", "320106", "320581", "320582"), 0.09),
    Province("SC", "四川", "四川省", ("510104", "510105", "510106", "510107", "510703", "510704"), 0.06),
    Province("HB", "湖北", "湖北省", ("420102", "420103", "420104", "420106", "420502", "420503"), 0.05),
    Province("SD", "山东", "山东省", ("370102", "370103", "370104", "370202", "370203", "370212"), 0.06),
    Province("FJ", "福建", "福建省", ("350102", "350103", "350104", "350203", "350206"), 0.05),
    Province("HN", "湖南", "湖南省", ("430121", "430181"), 0.04),
    Province("HA", "河南", "河南省", ("410102", "410103", "410105", "410302", "410303"), 0.04),
    Province("SN", "陕西", "陕西省", ("610102", "610103", "610104", "610113"), 0.03),
    Province("LN", "辽宁", "辽宁省", ("210102", "210103", "210104", "210202", "210203", "210204"), 0.03),
    Province("TJ", "天津", "天津市", ("120102", "120103", "120104", "120105"), 0.03),
    Province("CQ", "重庆", "重庆市", ("500103", "500106", "500107", "500112"), 0.03),
    Province("AH", "安徽", "安徽省", ("340121", "340122", "340123"), 0.03),
)

CITIES: tuple[City, ...] = (
    City("深圳", "GD", "0755", 8, ("福华一路", "深南大道", "科技园", "益田路", "宝安中心区")),
    City("广州", "GD", "020", 8, ("天河路", "珠江新城", "环市东路")),
    City("东莞", "GD", "0769", 8, ("鸿福路",)),
    City("佛山", "GD", "0757", 8, ("季华路",)),
    City("上海", "SH", "021", 8, ("陆家嘴", "南京西路", "漕溪北路", "张江", "世纪大道")),
    City("北京", "BJ", "010", 8, ("金融大街", "建国门外大街", "中关村", "朝阳门北大街")),
    City("杭州", "ZJ", "0571", 8, ("庆春路", "钱江新城", "文三路")),
    City("宁波", "ZJ", "0574", 8, ("中山东路",)),
    City("温州", "ZJ", "0577", 8, ("车站大道",)),
    City("南京", "JS", "025", 8, ("汉中路", "中山北路")),
    City("苏州", "JS", "0512", 8, ("星海街",)),
    City("无锡", "JS", "0510", 8, ("人民中路",)),
    City("成都", "SC", "028", 8, ("人民南路", "天府大道")),
    City("绵阳", "SC", "0816", 7, ("临园路",)),
    City("武汉", "HB", "027", 8, ("中北路", "建设大道")),
    City("宜昌", "HB", "0717", 7, ("东山大道",)),
    City("济南", "SD", "0531", 8, ("泺源大街",)),
    City("青岛", "SD", "0532", 8, ("香港中路", "山东路")),
    City("福州", "FJ", "0591", 8, ("五四路",)),
    City("厦门", "FJ", "0592", 7, ("鹭江道", "湖滨南路")),
    City("长沙", "HN", "0731", 8, ("芙蓉中路", "五一大道")),
    City("郑州", "HA", "0371", 8, ("金水路",)),
    City("洛阳", "HA", "0379", 8, ("中州中路",)),
    City("西安", "SN", "029", 8, ("高新路", "南大街")),
    City("沈阳", "LN", "024", 8, ("青年大街",)),
    City("大连", "LN", "0411", 8, ("人民路",)),
    City("天津", "TJ", "022", 8, ("南京路", "友谊路")),
    City("重庆", "CQ", "023", 8, ("解放碑", "江北嘴")),
    City("合肥", "AH", "0551", 8, ("长江中路",)),
)

PROVINCE_BY_CODE = {p.code: p for p in PROVINCES}

# Everyday street names for client addresses.
ROADS = ("人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "朝阳路", "文化路", "青年路", "幸福路",
         "光明路", "长江路", "黄河路", "民主路", "友谊路", "东风路", "北京路", "南京路", "学府路", "滨江路", "公园路",
         "花园路", "体育路", "工业路", "迎宾路", "健康路", "科技路", "府前街", "西大街")
