"""Real GB/T 2260 county-level codes: the five places the bundled policies rule, and elsewhere.

Strategies draw hukou and approving regions from here, so generated requests name real
districts. A policy whose region prefix has no code here gets its prefix padded to six
digits (the prefecture's own code), which is also a real code.
"""

from __future__ import annotations

REGIONS: dict[str, str] = {
    # 韶关市 Shaoguan (4402)
    "440203": "韶关市武江区", "440204": "韶关市浈江区", "440205": "韶关市曲江区", "440222": "始兴县",
    "440224": "仁化县", "440229": "翁源县", "440232": "乳源瑶族自治县", "440233": "新丰县",
    "440281": "乐昌市", "440282": "南雄市",
    # 汕头市 Shantou (4405)
    "440507": "汕头市龙湖区", "440511": "汕头市金平区", "440512": "汕头市濠江区", "440513": "汕头市潮阳区",
    "440514": "汕头市潮南区", "440515": "汕头市澄海区", "440523": "南澳县",
    # 江门市 Jiangmen (4407), of which 鹤山市 Heshan is 440784
    "440703": "江门市蓬江区", "440704": "江门市江海区", "440705": "江门市新会区", "440781": "台山市",
    "440783": "开平市", "440784": "鹤山市", "440785": "恩平市",
    # 昆明市 Kunming (5301), of which 嵩明县 Songming is 530127
    "530102": "昆明市五华区", "530103": "昆明市盘龙区", "530111": "昆明市官渡区", "530112": "昆明市西山区",
    "530114": "昆明市呈贡区", "530124": "富民县", "530125": "宜良县", "530127": "嵩明县",
    "530128": "禄劝彝族苗族自治县", "530129": "寻甸回族彝族自治县", "530181": "安宁市",
    # 郑州市 Zhengzhou (4101)
    "410102": "郑州市中原区", "410103": "郑州市二七区", "410104": "郑州市管城回族区", "410105": "郑州市金水区",
    "410106": "郑州市上街区", "410108": "郑州市惠济区", "410122": "中牟县", "410181": "巩义市",
    "410182": "荥阳市", "410183": "新密市", "410184": "新郑市", "410185": "登封市",
    # elsewhere
    "110101": "北京市东城区", "310101": "上海市黄浦区", "440106": "广州市天河区", "440305": "深圳市南山区",
    "440402": "珠海市香洲区", "420102": "武汉市江岸区", "330102": "杭州市上城区", "320102": "南京市玄武区",
    "510104": "成都市锦江区", "610102": "西安市新城区", "350102": "福州市鼓楼区", "450102": "南宁市兴宁区",
}

def codes_within(prefixes: tuple[str, ...]) -> list[str]:
    """Known codes starting with one of ``prefixes``; a six-digit prefix is itself a code, and
    a shorter one with no known code stands for its prefecture (padded with zeros)."""
    found = [code for code in REGIONS if code.startswith(prefixes)]
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in found):
            found.append(prefix.ljust(6, "0"))
    return sorted(set(found))


def codes_outside(prefixes: tuple[str, ...]) -> list[str]:
    return [code for code in REGIONS if not code.startswith(prefixes)]
