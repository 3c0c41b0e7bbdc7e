"""Demo data: a few verified experts with windows of realistic items, merchants, agreements.

Used by `vitrine run` in sandbox mode and by `vitrine seed-demo`. Seeding is idempotent: running it
twice leaves one copy. Item photos are drawn locally with Pillow (no network).
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from PIL import Image, ImageDraw, ImageFont
from telegram import Bot

from bot.config import Settings
from bot.domain.partners import DEFAULT_PARTNERS, parse_partner_link
from bot.menus import refresh_menu
from storage.database import create_engine, migrate
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

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

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

TITLE_WIDTH = 460  # pixels of the photo's white card a title line may use
TITLE_LINES = 3
# Closing punctuation a CJK line must not start with (it stays with the character before).
NO_LINE_START = frozenset("，。、！？；：）》」』】〉”’％")


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


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def _wide(char: str) -> bool:
    """Chinese, Japanese and Korean characters (and other wide ones): a line may break between
    any two of them, as CJK text wraps."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The text as unbreakable pieces, each with whether a space comes before it: a word of
    non-wide characters, or one wide character (closing punctuation clings to what it closes)."""
    pieces: list[tuple[str, bool]] = []
    word, spaced = "", False
    for char in text:
        if char.isspace():
            if word:
                pieces.append((word, spaced))
                word = ""
            spaced = bool(pieces)
        elif _wide(char):
            if word:
                pieces.append((word, spaced))
                word, spaced = "", False
            if char in NO_LINE_START and pieces and not spaced:
                previous, before = pieces.pop()
                pieces.append((previous + char, before))
            else:
                pieces.append((char, spaced))
            spaced = False
        else:
            word += char
    if word:
        pieces.append((word, spaced))
    return pieces


def wrap_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Lines of `text` that each fit, broken at spaces and between CJK characters, never inside
    a word — unless a word is too long for a line on its own, which is then cut where it must."""
    lines: list[str] = []
    line = ""
    for piece, spaced in _pieces(text):
        candidate = f"{line} {piece}" if spaced and line else line + piece
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        for char in piece:  # fits on the new line whole, or is cut by characters
            if line and not fits(line + char):
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines or [""]


def title_lines(title: str, fits: Callable[[str], bool], most: int = TITLE_LINES) -> list[str]:
    """The title wrapped into at most `most` lines; when it needs more, the last ends with "…"."""
    lines = wrap_text(title, fits)
    if len(lines) <= most:
        return lines
    last = lines[most - 1]
    while last and not fits(last + "…"):
        last = last[:-1]
    return [*lines[: most - 1], last.rstrip() + "…"]


def draw_item_photo(title: str, path: Path) -> Path:
    """A 640×640 product card with the title on a colour derived from it."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    hue = int(hashlib.sha256(title.encode()).hexdigest()[:4], 16) / 0xFFFF
    top = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.35, 0.98))
    bottom = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.65, 0.75))
    image = Image.new("RGB", (640, 640))
    draw = ImageDraw.Draw(image)
    for y in range(640):
        t = y / 639
        draw.line(
            [(0, y), (640, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=False)),
        )
    draw.rounded_rectangle([60, 200, 580, 440], radius=36, fill=(255, 255, 255))
    font = _font(40)

    def fits(line: str) -> bool:
        return draw.textlength(line, font=font) <= TITLE_WIDTH

    lines = title_lines(title, fits)
    y = 320 - 26 * len(lines)
    for text in lines:
        width = draw.textlength(text, font=font)
        draw.text(((640 - width) / 2, y), text, font=font, fill=(40, 40, 48))
        y += 52
    draw.text((60, 560), "Vitrine demo", font=_font(24), fill=(255, 255, 255))
    image.save(path, "PNG")
    return path


def demo_secret(shop_key: str) -> str:
    """The fixed, public signing secret of a demo shop: never use demo data in production."""
    digest = hashlib.sha256(f"vitrine-demo-secret:{shop_key}".encode()).digest()
    return "whsec_" + base64.b64encode(digest).decode("ascii")


async def write_checkout_config(settings: Settings) -> Path:
    """Tell the sandbox's simulated checkout how to sign for each demo shop (a demo-only file).

    Point `sandbox.checkout.checkout_routes` at the returned path and set
    VITRINE_DEMO_CHECKOUT_URL to the sandbox's /checkout; secrets never travel in URLs.
    """
    engine = create_engine(settings.database_url)
    try:
        repos = Repositories.build(engine, default_timezone=settings.default_timezone)
        config: dict[str, dict[str, str]] = {}
        for shop_key, (partner, shop_id, _name, _owner) in DEMO_SHOPS.items():
            merchant = await repos.merchants.by_shop(partner, shop_id)
            if merchant is not None:
                config[str(merchant.id)] = {
                    "name": merchant.name,
                    "callback_url": f"{settings.public_url}/hooks/orders/{merchant.callback_key}",
                    "secret": demo_secret(shop_key),
                }
    finally:
        await engine.dispose()
    path = settings.data_dir / "demo_checkout.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return path


async def _ensure_user(repos: Repositories, telegram_id: int) -> int:
    """The demo person as the bot will first see them: their own name and client language.

    Seeding runs before they ever write, so what is stored here is what their first notices
    (a merchant's order notice, an expert's earnings) are written in.
    """
    first_name, language_code = demo_people()[telegram_id]
    user = await repos.users.upsert_from_telegram(telegram_id, first_name, None, language_code)
    return user.id


async def seed_into(repos: Repositories, photo_dir: Path) -> dict[str, str]:
    """Insert the demo catalogue unless it is there; return {handle: deep-link payload}."""
    await repos.partners.sync(
        (p.key, p.name, {"host_suffixes": list(p.host_suffixes)}) for p in DEFAULT_PARTNERS
    )
    merchant_ids: dict[str, int] = {}
    for shop_key, (partner, shop_id, name, owner) in DEMO_SHOPS.items():
        merchant = await repos.merchants.by_shop(partner, shop_id)
        if merchant is None:
            owner_id = await _ensure_user(repos, owner)
            merchant = await repos.merchants.create(
                user_id=owner_id,
                partner_key=partner,
                shop_id=shop_id,
                name=name,
                notice_chat_id=owner,
                status="verified",
            )
            await repos.merchants.add_agreement(merchant.id, 800, expert_id=None, accepted=True)
        # Known secrets, so the sandbox's simulated checkout can sign callbacks (demo only).
        await repos.merchants.issue_first_secret(merchant.id, demo_secret(shop_key))
        merchant_ids[shop_key] = merchant.id
    links: dict[str, str] = {}
    for demo in DEMO_EXPERTS:
        links[demo.handle] = demo.handle
        if await repos.experts.by_handle(demo.handle) is not None:
            continue
        user_id = await _ensure_user(repos, demo.telegram_id)
        expert = await repos.experts.create(
            user_id=user_id,
            handle=demo.handle,
            display_name=demo.display_name,
            vertical=demo.vertical,
            tags=list(demo.tags),
            bio=demo.bio,
            status="verified",
        )
        for number, item in enumerate(demo.items, start=1):
            link = parse_partner_link(item.url, DEFAULT_PARTNERS)
            photo = draw_item_photo(item.title, photo_dir / f"{demo.handle}-{number}.png")
            await repos.items.create(
                expert_id=expert.id,
                partner_key=link.partner_key,
                partner_item_id=link.item_id,
                canonical_url=link.canonical_url,
                title=item.title,
                reason=item.reason,
                price_fen=item.price_fen,
                stock=item.stock,
                merchant_id=merchant_ids[item.shop],
                shop_id=DEMO_SHOPS[item.shop][1],
                photo_path=str(photo),
                tags=list(item.tags),
            )
    return links


async def seed_demo(settings: Settings) -> dict[str, str]:
    """Migrate the configured database and load the demo data into it."""
    await migrate(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        repos = Repositories.build(engine, default_timezone=settings.default_timezone)
        return await seed_into(repos, settings.data_dir / "demo_photos")
    finally:
        await engine.dispose()


def demo_people() -> dict[int, tuple[str, str]]:
    """Every demo person by Telegram id: (first name, Telegram language code)."""
    people = {telegram_id: (name, language) for telegram_id, name, language in DEMO_USERS}
    for demo in DEMO_EXPERTS:
        people.setdefault(demo.telegram_id, (demo.first_name, "zh-hans"))
    for _partner, _shop, name, owner in DEMO_SHOPS.values():
        people.setdefault(owner, (name, "zh-hans"))
    return people


async def create_demo_users(sandbox_url: str, settings: Settings) -> None:
    """Create the demo's people in the sandbox, so every notice of the demo can be delivered.

    People the sandbox already has are kept as they are: the sandbox keeps its state across
    restarts, and a name or language chosen on the chat page must survive the next start.
    The chat page shows the fan, the expert, the merchant and the admin; the other experts and
    shop owners exist too and can be opened with `/?users=<id>:<name>`.
    """
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        listed = await client.get("/sim/users")
        listed.raise_for_status()
        known = {person["id"] for person in listed.json()}
        for telegram_id, (first_name, language) in demo_people().items():
            if telegram_id in known:
                continue
            response = await client.post(
                "/sim/users",
                json={"id": telegram_id, "first_name": first_name, "language_code": language},
            )
            response.raise_for_status()


async def refresh_demo_menus(bot: Bot, services: Services) -> None:
    """Give the demo's experts, merchants and admin their menus: seeding made them what they are.

    The admin (and the fan) may not have written yet; they are known from now on, so the menu
    is in their language from the first look.
    """
    for telegram_id, (first_name, language) in demo_people().items():
        user = await services.repos.users.by_telegram_id(telegram_id)
        if user is None:
            user = await services.repos.users.upsert_from_telegram(
                telegram_id, first_name, None, language
            )
        await refresh_menu(bot, services, user.id)
