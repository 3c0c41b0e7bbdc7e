"""The demo catalogue: the people on the sandbox chat page, the demo shops, and a few verified
experts with windows of realistic items (the data `bot.demo.seed` loads)."""

from __future__ import annotations

from dataclasses import dataclass

# Telegram ids of the people on the sandbox chat page.
DEMO_FAN_ID = 1001
DEMO_EXPERT_ID = 1002
DEMO_MERCHANT_ID = 1003
DEMO_ADMIN_ID = 1004
DEMO_USERS = (
    (DEMO_FAN_ID, "小美", "zh-hans"),
    (DEMO_EXPERT_ID, "Lina", "zh-hans"),
    (DEMO_MERCHANT_ID, "Lumière Store", "en"),
    (DEMO_ADMIN_ID, "Admin", "en"),
)


@dataclass(frozen=True)
class DemoItem:
    title: str
    reason: str
    price_fen: int
    stock: int
    url: str
    shop: str  # key into DEMO_SHOPS
    tags: tuple[str, ...]


@dataclass(frozen=True)
class DemoExpert:
    telegram_id: int
    first_name: str
    handle: str
    display_name: str
    vertical: str
    tags: tuple[str, ...]
    bio: str
    items: tuple[DemoItem, ...]


# shop key -> (partner, shop id, name, owner telegram id)
DEMO_SHOPS = {
    "lumiere": ("tmall", "5550001", "Lumière 官方旗舰店", DEMO_MERCHANT_ID),
    "wangtech": ("taobao", "7770002", "小王数码铺", 2001),
    "meikitchen": ("weimai", "880003", "梅家厨房", 2002),
}

DEMO_EXPERTS = (
    DemoExpert(
        DEMO_EXPERT_ID,
        "Lina",
        "lina_beauty",
        "丽娜美妆 Lina",
        "beauty",
        ("skincare", "makeup"),
        "十年美妆编辑，只推荐自己用空过的产品。Beauty editor; I only recommend what I finished.",
        (
            DemoItem(
                "玻尿酸保湿精华 30ml",
                "干皮救星，连用两周上妆不卡粉，敏感肌也没有刺痛。",
                16900,
                42,
                "https://detail.tmall.com/item.htm?id=600000000001&spm=a1z10",
                "lumiere",
                ("skincare",),
            ),
            DemoItem(
                "Silk Matte Lipstick #Rose",
                "Stays put through lunch without drying; the rose shade suits most skin tones.",
                12800,
                8,
                "https://detail.tmall.com/item.htm?id=600000000002",
                "lumiere",
                ("makeup",),
            ),
            DemoItem(
                "温和氨基酸洁面乳",
                "洗完不紧绷，早晚都能用，一支能用三个月，性价比很高。",
                5900,
                120,
                "https://detail.tmall.com/item.htm?id=600000000003",
                "lumiere",
                ("skincare",),
            ),
            DemoItem(
                "便携防晒喷雾 SPF50",
                "补涂方便不搓泥，通勤包里常备，清爽不油腻。",
                8900,
                0,
                "https://detail.tmall.com/item.htm?id=600000000004",
                "lumiere",
                ("skincare",),
            ),
            DemoItem(
                "Velvet Eyeshadow Palette",
                "Twelve wearable shades, blends easily, almost no fallout under the eyes.",
                19900,
                15,
                "https://detail.tmall.com/item.htm?id=600000000005",
                "lumiere",
                ("makeup",),
            ),
        ),
    ),
    DemoExpert(
        3001,
        "Wang",
        "techwang",
        "科技王 TechWang",
        "digital",
        ("audio", "phones"),
        "数码测评博主，拆过两百台手机。I test gadgets for a living.",
        (
            DemoItem(
                "降噪蓝牙耳机 Pro",
                "地铁里开降噪几乎听不到报站，续航实测 28 小时，通话清楚。",
                59900,
                30,
                "https://item.taobao.com/item.htm?id=700000000001&ali_trackid=2%3Aabc",
                "wangtech",
                ("audio",),
            ),
            DemoItem(
                "65W 氮化镓快充头",
                "一个头同时给笔记本和手机充电，体积只有火柴盒大小。",
                12900,
                200,
                "https://item.taobao.com/item.htm?id=700000000002",
                "wangtech",
                ("phones",),
            ),
            DemoItem(
                "Mechanical Keyboard 75%",
                "Hot-swappable switches and a quiet, solid typing feel for the price.",
                39900,
                12,
                "https://item.taobao.com/item.htm?id=700000000003",
                "wangtech",
                ("gaming",),
            ),
        ),
    ),
    DemoExpert(
        3002,
        "Mei",
        "chef_mei",
        "梅姐厨房",
        "food",
        ("cooking", "snacks"),
        "家常菜和地方小吃，每周三直播做饭。Home cooking every Wednesday.",
        (
            DemoItem(
                "云南小粒咖啡豆 500g",
                "中度烘焙，坚果和焦糖味明显，手冲和摩卡壶都合适。",
                6800,
                60,
                "https://shop880003.weimai.com/item/900000001",
                "meikitchen",
                ("tea_coffee",),
            ),
            DemoItem(
                "手工麻辣牛肉干",
                "四川老师傅做的，辣得香不齁咸，追剧必备。",
                4500,
                3,
                "https://shop880003.weimai.com/item/900000002",
                "meikitchen",
                ("snacks",),
            ),
            DemoItem(
                "Cast-iron Skillet 26cm",
                "Pre-seasoned, heats evenly, and goes from stove to oven for a proper sear.",
                15900,
                25,
                "https://shop880003.weimai.com/item/900000003",
                "meikitchen",
                ("cooking",),
            ),
        ),
    ),
)


def demo_people() -> dict[int, tuple[str, str]]:
    """Every demo person by Telegram id: (first name, Telegram language code)."""
    people = {telegram_id: (name, language) for telegram_id, name, language in DEMO_USERS}
    for demo in DEMO_EXPERTS:
        people.setdefault(demo.telegram_id, (demo.first_name, "zh-hans"))
    for _partner, _shop, name, owner in DEMO_SHOPS.values():
        people.setdefault(owner, (name, "zh-hans"))
    return people
