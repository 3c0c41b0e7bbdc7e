"""The verticals (垂直领域) experts work in and the interest tags fans pick, as catalogue data.

Keys are stable identifiers stored in the database and carried in callback data
(``[a-z0-9_]{1,24}``, unique across all verticals). The English and Chinese labels are catalogue
data, not sentences, so they live here; every sentence around them lives in templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import DomainError

_KEY_PATTERN = re.compile(r"[a-z0-9_]{1,24}")


@dataclass(frozen=True)
class InterestTag:
    """One interest tag: its key, the vertical it belongs to, and its labels."""

    key: str
    vertical: str
    name_en: str
    name_zh: str

    def label(self, locale: str) -> str:
        """Return the Chinese label for any ``zh*`` locale, else the English one."""
        return self.name_zh if locale.lower().startswith("zh") else self.name_en


@dataclass(frozen=True)
class Vertical:
    """One vertical: its key, labels and its interest tags in display order."""

    key: str
    name_en: str
    name_zh: str
    tags: tuple[InterestTag, ...]

    def label(self, locale: str) -> str:
        """Return the Chinese label for any ``zh*`` locale, else the English one."""
        return self.name_zh if locale.lower().startswith("zh") else self.name_en

    @property
    def tag_keys(self) -> tuple[str, ...]:
        """The keys of this vertical's tags, in display order."""
        return tuple(tag.key for tag in self.tags)


def _vertical(key: str, name_en: str, name_zh: str, *tags: tuple[str, str, str]) -> Vertical:
    """Build a vertical from (tag key, English, Chinese) triples."""
    return Vertical(
        key=key,
        name_en=name_en,
        name_zh=name_zh,
        tags=tuple(InterestTag(t_key, key, t_en, t_zh) for t_key, t_en, t_zh in tags),
    )


VERTICALS: tuple[Vertical, ...] = (
    _vertical(
        "beauty",
        "Beauty",
        "美妆",
        ("skincare", "Skincare", "护肤"),
        ("makeup", "Makeup", "彩妆"),
        ("fragrance", "Fragrance", "香水"),
        ("haircare", "Hair care", "美发护发"),
        ("nails", "Nails", "美甲"),
    ),
    _vertical(
        "digital",
        "Digital",
        "数码",
        ("phones", "Phones", "手机"),
        ("laptops", "Laptops", "笔记本电脑"),
        ("audio", "Audio", "耳机音响"),
        ("cameras", "Cameras", "相机摄影"),
        ("gaming", "Gaming", "游戏设备"),
        ("smart_home", "Smart home", "智能家居"),
    ),
    _vertical(
        "cars",
        "Cars",
        "汽车",
        ("new_cars", "New cars", "新车"),
        ("ev", "Electric vehicles", "新能源车"),
        ("car_care", "Car care", "汽车养护"),
        ("car_accessories", "Car accessories", "汽车用品"),
    ),
    _vertical(
        "film",
        "Film",
        "影视",
        ("movies", "Movies", "电影"),
        ("tv_series", "TV series", "电视剧"),
        ("anime", "Anime", "动漫"),
        ("documentaries", "Documentaries", "纪录片"),
        ("film_merch", "Film merchandise", "影视周边"),
    ),
    _vertical(
        "food",
        "Food",
        "美食",
        ("snacks", "Snacks", "零食"),
        ("tea_coffee", "Tea & coffee", "茶与咖啡"),
        ("cooking", "Cooking", "烹饪"),
        ("regional_food", "Regional food", "地方特产"),
        ("healthy_eating", "Healthy eating", "健康饮食"),
    ),
    _vertical(
        "fashion",
        "Fashion",
        "时尚",
        ("womenswear", "Womenswear", "女装"),
        ("menswear", "Menswear", "男装"),
        ("shoes", "Shoes", "鞋履"),
        ("bags", "Bags", "箱包"),
        ("jewellery", "Jewellery", "珠宝配饰"),
    ),
    _vertical(
        "travel",
        "Travel",
        "旅行",
        ("hotels", "Hotels", "酒店"),
        ("outdoor", "Outdoor", "户外"),
        ("luggage", "Luggage", "旅行箱包"),
        ("city_guides", "City guides", "城市攻略"),
    ),
    _vertical(
        "home",
        "Home",
        "家居",
        ("furniture", "Furniture", "家具"),
        ("kitchen", "Kitchen", "厨房用品"),
        ("decor", "Decor", "家居装饰"),
        ("cleaning", "Cleaning", "清洁收纳"),
        ("appliances", "Appliances", "家用电器"),
    ),
    _vertical(
        "sports",
        "Sports",
        "运动",
        ("running", "Running", "跑步"),
        ("fitness", "Fitness", "健身"),
        ("cycling", "Cycling", "骑行"),
        ("ball_games", "Ball games", "球类运动"),
        ("sportswear", "Sportswear", "运动服饰"),
    ),
    _vertical(
        "books",
        "Books",
        "图书",
        ("fiction", "Fiction", "小说"),
        ("nonfiction", "Non-fiction", "非虚构"),
        ("childrens_books", "Children's books", "童书"),
        ("comics", "Comics", "漫画"),
        ("learning", "Learning", "学习教育"),
    ),
)

VERTICAL_KEYS: tuple[str, ...] = tuple(vertical.key for vertical in VERTICALS)
_VERTICALS_BY_KEY: dict[str, Vertical] = {vertical.key: vertical for vertical in VERTICALS}
_TAGS_BY_KEY: dict[str, InterestTag] = {
    tag.key: tag for vertical in VERTICALS for tag in vertical.tags
}


def _check_catalogue() -> None:
    """Refuse a catalogue with malformed or duplicate keys (runs once at import)."""
    keys = [v.key for v in VERTICALS] + [t.key for v in VERTICALS for t in v.tags]
    bad = [key for key in keys if not _KEY_PATTERN.fullmatch(key)]
    if bad:
        raise RuntimeError(f"malformed vertical or tag keys: {bad}")
    if len(set(keys)) != len(keys):
        raise RuntimeError("vertical and tag keys must be unique across the catalogue")


_check_catalogue()


def all_tag_keys() -> tuple[str, ...]:
    """Every interest tag key, grouped by vertical in catalogue order."""
    return tuple(_TAGS_BY_KEY)


def is_vertical(key: str) -> bool:
    """Whether `key` names a vertical."""
    return key in _VERTICALS_BY_KEY


def is_tag(key: str) -> bool:
    """Whether `key` names an interest tag."""
    return key in _TAGS_BY_KEY


def get_vertical(key: str) -> Vertical:
    """The vertical named `key`; DomainError("vertical.unknown") if there is none."""
    try:
        return _VERTICALS_BY_KEY[key]
    except KeyError:
        raise DomainError("vertical.unknown", vertical=key) from None


def get_tag(key: str) -> InterestTag:
    """The interest tag named `key`; DomainError("vertical.unknown_tag") if there is none."""
    try:
        return _TAGS_BY_KEY[key]
    except KeyError:
        raise DomainError("vertical.unknown_tag", tag=key) from None


def vertical_of_tag(tag: str) -> str:
    """The key of the vertical `tag` belongs to; DomainError("vertical.unknown_tag") if unknown."""
    return get_tag(tag).vertical


def tags_of_vertical(vertical: str) -> tuple[str, ...]:
    """The tag keys of `vertical`; DomainError("vertical.unknown") if unknown."""
    return get_vertical(vertical).tag_keys
