"""What a recommendation must contain: unstuffed titles, real reasons, complete drafts."""

from __future__ import annotations

import pytest

from bot.domain.errors import DomainError
from bot.domain.partner_links import PartnerLink, parse_partner_link
from bot.domain.partners import DEFAULT_PARTNERS
from bot.domain.publishing import (
    Draft,
    count_emoji,
    validate_draft,
    validate_photo_file_id,
    validate_reason,
    validate_title,
)

SIXTY_HAN = "".join(chr(0x4E00 + offset) for offset in range(60))  # 一丁丂七…, all different
LINK = parse_partner_link("https://detail.tmall.com/item.htm?id=123456", DEFAULT_PARTNERS)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("兰蔻小黑瓶精华 50ml", "兰蔻小黑瓶精华 50ml"),
        ("小米手环", "小米手环"),  # four Chinese characters are enough
        ("Apple iPhone 15 Pro 256GB 原色钛金属", "Apple iPhone 15 Pro 256GB 原色钛金属"),
        ("  夏季  新款\n连衣裙  ", "夏季 新款 连衣裙"),
        ("\u3000夏季\u3000新款\t连衣裙", "夏季 新款 连衣裙"),  # ideographic spaces and tabs
        ("【官方正品】雅诗兰黛小棕瓶精华", "【官方正品】雅诗兰黛小棕瓶精华"),
        ("三只松鼠 坚果礼盒 1.5kg", "三只松鼠 坚果礼盒 1.5kg"),
        ("容量 1,000/2,000ml 两款可选", "容量 1,000/2,000ml 两款可选"),  # numbers, not a list
        ("iPhone 15 手机壳｜磁吸｜防摔", "iPhone 15 手机壳｜磁吸｜防摔"),  # three separators
        ("保温杯，大容量，不漏水", "保温杯，大容量，不漏水"),  # full-width commas kept as typed
        ("Ｎｉｋｅ Air Max 90 复古跑鞋", "Ｎｉｋｅ Air Max 90 复古跑鞋"),
        ("USB HDMI LED 转换线", "USB HDMI LED 转换线"),  # acronyms are not shouting
        ("#好物推荐# 秋冬保湿面霜", "#好物推荐# 秋冬保湿面霜"),
        ("#skincare #beauty night cream", "#skincare #beauty night cream"),
        ("🔥 hot deal ✨ 💄", "🔥 hot deal ✨ 💄"),
        (
            "👨\u200d👩\u200d👧 家庭装 零食大礼包",
            "👨\u200d👩\u200d👧 家庭装 零食大礼包",
        ),  # one family
        ("哈哈哈 这个好物必须推荐", "哈哈哈 这个好物必须推荐"),
        ("超值!!! 限量款", "超值!!! 限量款"),
        ("Salt and pepper and lime", "Salt and pepper and lime"),
        ("护手\u200b霜\u202e套装", "护手霜套装"),  # zero-width and bidi characters dropped
        ("abcdefghij" * 6, "abcdefghij" * 6),  # 60 characters: the limit is inclusive
        (SIXTY_HAN, SIXTY_HAN),
    ],
)
def test_validate_title_accepts_and_tidies_honest_titles(text: str, cleaned: str) -> None:
    """Honest titles pass, on one line with single spaces and the author's own punctuation."""
    assert validate_title(text) == cleaned


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "title.empty"),
        ("  \n\t\u3000 ", "title.empty"),
        ("\u200b\u200b", "title.empty"),
        ("abc", "title.too_short"),
        ("一二三", "title.too_short"),
        ("x" * 61, "title.too_long"),
        (SIXTY_HAN + "字", "title.too_long"),
        ("！！？！", "title.no_letters"),
        ("😀 😀 😀", "title.no_letters"),
        # keyword stuffing: repeated words and phrases
        ("爆款爆款爆款连衣裙", "title.repeated_word"),
        ("爆款 连衣裙 爆款 显瘦 爆款", "title.repeated_word"),
        ("保湿面霜 保湿精华 保湿乳液", "title.repeated_word"),
        ("Cheap cheap CHEAP bag", "title.repeated_word"),
        ("ＳＡＬＥ ｓａｌｅ Sale 连衣裙", "title.repeated_word"),  # full-width letters
        ("best bag, best price, best shop", "title.repeated_word"),
        # keyword stuffing: lists of separators
        ("包邮|正品|特价|现货|秒杀", "title.too_many_separators"),
        ("包邮，正品，特价，现货，秒杀", "title.too_many_separators"),
        ("包邮、正品、特价、现货、秒杀", "title.too_many_separators"),
        ("手机壳｜磁吸｜防摔｜透明｜超薄", "title.too_many_separators"),
        ("包邮／正品／特价／现货／秒杀", "title.too_many_separators"),
        ("包邮；正品；特价；现货；秒杀", "title.too_many_separators"),
        ("【包邮】【正品】【特价】【现货】面膜", "title.too_many_separators"),
        ("[包邮][正品] 面膜 / 补水 / 美白", "title.too_many_separators"),
        # hashtags
        ("#美妆# #护肤# #好物# 面霜", "title.too_many_hashtags"),
        ("#skincare #beauty #sale cream", "title.too_many_hashtags"),
        ("＃美妆 ＃护肤 ＃好物 面霜", "title.too_many_hashtags"),  # full-width hash
        # shouting
        ("BEST PRICE EVER buy now", "title.shouting"),
        ("NIKE AIR JORDAN 1 复刻", "title.shouting"),
        ("ＮＩＫＥ ＡＩＲ ＪＯＲＤＡＮ", "title.shouting"),
        # emoji and character spam
        ("🔥🔥🔥🔥 hot deal", "title.too_many_emoji"),
        ("💄 口红 ✨ 显白 🔥 爆款 💯", "title.too_many_emoji"),
        ("★☆★☆ 五星好评", "title.too_many_emoji"),
        ("🇨🇳🇯🇵🇺🇸🇬🇧 world snacks", "title.too_many_emoji"),
        ("超值!!!! 限量款", "title.repeated_characters"),
        ("超值！！！！限量款", "title.repeated_characters"),
        ("好好好好用的面膜", "title.repeated_characters"),
        ("限量款~~~~~", "title.repeated_characters"),
    ],
)
def test_validate_title_refuses_with_the_reason(text: str, code: str) -> None:
    """Each refusal names its rule, so the expert is told what to change."""
    with pytest.raises(DomainError) as caught:
        validate_title(text)

    assert caught.value.code == code


def test_title_limits_are_configurable_and_reported() -> None:
    """The template gets the limit and the actual length."""
    with pytest.raises(DomainError) as caught:
        validate_title("小米手环八代", max_len=5)

    assert caught.value.params == {"max": 5, "length": 6}
    assert validate_title("小米手", min_len=3) == "小米手"


def test_repeated_word_names_the_word() -> None:
    """The expert is told which word was repeated."""
    with pytest.raises(DomainError) as caught:
        validate_title("爆款 连衣裙 爆款 显瘦 爆款")

    assert caught.value.params["word"] == "爆款"


@pytest.mark.parametrize(
    "text", ["  夏季  新款\n连衣裙  ", "护手\u200b霜 套装", "Apple iPhone 15", "【官方】面霜 50ml"]
)
def test_validate_title_is_idempotent(text: str) -> None:
    """A cleaned title validates to itself (resumed drafts are validated again)."""
    once = validate_title(text)

    assert validate_title(once) == once


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("", 0),
        ("面霜", 0),
        ("🔥", 1),
        ("👍🏽", 1),
        ("🇨🇳", 1),
        ("🇨🇳🇯🇵", 2),
        ("★☆", 2),
        ("👨\u200d👩\u200d👧", 3),
    ],
)
def test_count_emoji(text: str, emoji: int) -> None:
    """Skin tones add nothing, a flag's two letters are one emoji."""
    assert count_emoji(text) == emoji


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("这个精华液真的很好用推荐", "这个精华液真的很好用推荐"),
        ("吸收快，不油腻，敏感肌可用。", "吸收快，不油腻，敏感肌可用。"),
        ("十个汉字就是合格理由", "十个汉字就是合格理由"),  # exactly ten characters
        ("Great texture, absorbs fast.", "Great texture, absorbs fast."),
        ("  用了三个月，\r\n\r\n\r\n\r\n毛孔   细了很多  ", "用了三个月，\n\n毛孔 细了很多"),
        ("第一，保湿。\n第二，不黏。\n第三，便宜。", "第一，保湿。\n第二，不黏。\n第三，便宜。"),
        ("１２３４５６７８９０个人都说好", "１２３４５６７８９０个人都说好"),
        ("好用\u200b到哭\u202e，回购第三次了", "好用到哭，回购第三次了"),
        ("字" * 3 + "好用推荐" * 124, "字" * 3 + "好用推荐" * 124),  # 499 characters
    ],
)
def test_validate_reason_accepts_real_reasons(text: str, cleaned: str) -> None:
    """Reasons keep their paragraphs but lose stray spaces and invisible characters."""
    assert validate_reason(text) == cleaned


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "reason.empty"),
        (" \n\r\n\u3000 ", "reason.empty"),
        ("好用", "reason.too_short"),
        ("很好用，推荐！", "reason.too_short"),
        ("九个汉字不算合格理", "reason.too_short"),  # nine characters
        ("a b c d e", "reason.too_short"),  # spaces do not count towards the minimum
        ("好" * 501, "reason.too_long"),
        ("！！！！！！！！！！！", "reason.no_letters"),
        ("。。。。。、、、、、，，，", "reason.no_letters"),
        ("好好好好好好好好好好", "reason.too_repetitive"),
        ("好用好用好用好用好用", "reason.too_repetitive"),
        ("aaaaaaaaaaaaaaaaaaaa", "reason.too_repetitive"),
        ("真的好用啊啊啊啊啊啊啊啊啊啊啊", "reason.repeated_characters"),
    ],
)
def test_validate_reason_refuses_with_the_reason(text: str, code: str) -> None:
    """Empty, padded or endless reasons are refused with their own codes."""
    with pytest.raises(DomainError) as caught:
        validate_reason(text)

    assert caught.value.code == code


@pytest.mark.parametrize(
    ("photo", "code"),
    [
        ("", "draft.no_photo"),
        (None, "draft.no_photo"),
        ("a b", "draft.bad_photo"),
        ("x" * 257, "draft.bad_photo"),
    ],
)
def test_validate_photo_file_id_refuses_non_file_ids(photo: object, code: str) -> None:
    """A draft's photo is a Telegram file id, which is URL-safe base64."""
    with pytest.raises(DomainError) as caught:
        validate_photo_file_id(photo)  # type: ignore[arg-type]

    assert caught.value.code == code


def _draft_fields(**overrides: object) -> dict[str, object]:
    """A complete, valid set of draft fields with some replaced."""
    fields: dict[str, object] = {
        "photo_file_id": "AgACAgIAAxkBAAIBZ2V-photo_id",
        "title": "  兰蔻小黑瓶精华  50ml ",
        "reason": "用了三个月，皮肤稳定多了。",
        "price_fen": 109_000,
        "stock": 12,
        "link": LINK,
    }
    fields.update(overrides)
    return fields


def test_validate_draft_builds_a_clean_draft() -> None:
    """A draft's text fields come out cleaned and its numbers unchanged."""
    draft = validate_draft(**_draft_fields())  # type: ignore[arg-type]

    assert draft == Draft(
        photo_file_id="AgACAgIAAxkBAAIBZ2V-photo_id",
        title="兰蔻小黑瓶精华 50ml",
        reason="用了三个月，皮肤稳定多了。",
        price_fen=109_000,
        stock=12,
        link=LINK,
    )


def test_a_sold_out_draft_is_allowed() -> None:
    """Zero stock is a valid state (sold out), unlike a zero price."""
    assert validate_draft(**_draft_fields(stock=0)).stock == 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"photo_file_id": ""}, "draft.no_photo"),
        ({"title": "爆款爆款爆款连衣裙"}, "title.repeated_word"),
        ({"reason": "好用"}, "reason.too_short"),
        ({"price_fen": 0}, "price.zero"),
        ({"price_fen": -100}, "price.negative"),
        ({"price_fen": 100_000_001}, "price.too_large"),
        ({"price_fen": "12.30"}, "price.not_a_number"),
        ({"stock": -1}, "stock.negative"),
        ({"stock": 1_000_001}, "stock.too_large"),
        ({"stock": 2.5}, "stock.not_a_number"),
        ({"link": None}, "draft.no_link"),
        ({"link": "https://detail.tmall.com/item.htm?id=1"}, "draft.no_link"),
    ],
)
def test_validate_draft_checks_every_field(overrides: dict[str, object], code: str) -> None:
    """A resumed conversation's stale or tampered field is caught before publishing."""
    with pytest.raises(DomainError) as caught:
        validate_draft(**_draft_fields(**overrides))  # type: ignore[arg-type]

    assert caught.value.code == code


def test_draft_is_immutable() -> None:
    """Drafts are values: changing one means building a new one."""
    draft = validate_draft(**_draft_fields())  # type: ignore[arg-type]

    with pytest.raises(AttributeError):
        draft.price_fen = 1  # type: ignore[misc]
    assert isinstance(draft.link, PartnerLink)
