"""The first day of every role, in both languages: each command of the person's command menu and of
/help (and the role's own commands), each button of the screens they answer with. People start with
nothing — no demo data — and every Bot API call must be accepted, every press answered, and the
error handler must never run."""

from __future__ import annotations

import re

import pytest

from bot.app import Runtime
from bot.domain.callbacks import AdminApprove, encode
from bot.experts.callbacks import ApplyTag, ApplyTagsDone, ApplyVertical
from bot.orders.callbacks import MerchantReview
from tests.auxil.screens import BotWatch, ScreenWalker, callback_data
from tests.auxil.sim import Message, Sim, SimUser, text_of
from tests.conftest import ADMIN_TELEGRAM_ID

LANGUAGES = pytest.mark.parametrize(
    ("language", "code"), [("zh_Hans", "zh-hans"), ("en", "en")], ids=["zh_Hans", "en"]
)
HELP_LINE = re.compile(r"^/([a-z_]{1,32})\b", re.MULTILINE)
# The menu is one for everybody, so the commands only admins and merchants have are not in it.
ADMIN_COMMANDS = ("admin", "partners", "platform")
MERCHANT_COMMANDS = ("rotate_secret",)
LAST = ("forget",)  # the day ends with deleting one's data: nothing after it could be checked

FAN_ID, EXPERT_ID, MERCHANT_ID, NEWCOMERS_FROM = 2101, 3101, 6101, 7001


def walker_for(vitrine: Runtime, sim: Sim) -> ScreenWalker:
    return ScreenWalker(vitrine, sim, BotWatch(vitrine.application))


async def menu_of(sim: Sim, person: SimUser, code: str) -> list[str]:
    """The command menu a Telegram client shows this person."""
    response = await sim.http.get(
        "/sim/commands", params={"language_code": code, "user_id": person.id}
    )
    response.raise_for_status()
    return [c["command"] for c in response.json()]


async def live_the_day(
    walker: ScreenWalker,
    person: SimUser,
    code: str,
    *,
    own: tuple[str, ...] = (),
) -> list[str]:
    """/start, /help, then every other command of the menu, of /help and `own`; /forget last.

    The screen after a person's very first /start (the interests) comes once in a life: each of
    its buttons that an earlier press took away is pressed by a newcomer of their own.
    """
    newcomers = iter(range(NEWCOMERS_FROM, NEWCOMERS_FROM + 1000))

    async def newcomer() -> SimUser:
        return await walker.sim.user(next(newcomers), "New", code)

    await walker.walk(person, "/start", newcomer=newcomer)
    [help_message] = await walker.walk(person, "/help")
    listed = HELP_LINE.findall(text_of(help_message))
    menu = await menu_of(walker.sim, person, code)
    assert menu and listed, "the menu and /help list commands"
    commands = list(dict.fromkeys([*menu, *listed, *own]))
    rest = [c for c in commands if c not in ("start", "help", *LAST)]
    for command in [*rest, *[c for c in LAST if c in commands]]:
        await walker.walk(person, f"/{command}")
    await walker.settle()
    return ["start", "help", *rest, *LAST]


async def assert_a_clean_day(
    vitrine: Runtime, walker: ScreenWalker, people: list[SimUser], commands: list[str]
) -> None:
    """No refused call, no unanswered press, no error, no apology, no 'unknown command'."""
    failures = [
        *(f"error handler ran: {e}" for e in walker.watch.errors),
        *(f"refused: {r}" for r in walker.refused),
        *(f"never answered: {u}" for u in walker.unanswered),
    ]
    assert not failures, "\n".join(failures)
    assert walker.pressed > 20, "the walk reached the buttons, not just the commands"
    texts = vitrine.services.texts
    apologies = [texts.render("common/error", lang) for lang in ("zh_Hans", "en")]
    unknown = {
        texts.render("common/unknown_command", lang, command=f"/{c}")
        for lang in ("zh_Hans", "en")
        for c in commands
    }
    for person in people:
        for message in await person.bot_messages():
            assert not any(a in text_of(message) for a in apologies), message
            assert text_of(message) not in unknown, message


async def everyone(sim: Sim) -> list[SimUser]:
    """Every person of the sandbox (the newcomers who saw an onboarding screen included)."""
    response = await sim.http.get("/sim/users")
    response.raise_for_status()
    return [SimUser(sim, user["id"]) for user in response.json()]


def with_button(messages: list[Message], data: str) -> Message:
    [message] = [m for m in messages if data in callback_data(m)]
    return message


async def approved_expert(
    vitrine: Runtime, walker: ScreenWalker, sim: Sim, code: str
) -> tuple[SimUser, SimUser]:
    """A new person applies with /become_expert and the admin approves them, all through the bot."""
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", code)
    await walker.say(admin, "/start")
    lina = await sim.user(EXPERT_ID, "Lina", code)
    await walker.say(lina, "/start")
    await walker.say(lina, "/become_expert")
    await walker.say(lina, "Lina_Glow")
    vertical = encode(ApplyVertical("beauty"))
    prompt = with_button(await walker.say(lina, "Lina Chen"), vertical)
    tags = await walker.press(lina, prompt, vertical)
    tags = await walker.press(lina, tags, encode(ApplyTag("skincare")))
    await walker.press(lina, tags, encode(ApplyTagsDone()))
    await walker.say(lina, "Ten years of testing serums on sensitive skin.")
    await walker.settle()
    expert = await vitrine.services.repos.experts.by_handle("lina_glow")
    assert expert is not None and expert.status == "pending"
    approve = encode(AdminApprove("expert", expert.id))
    await walker.press(admin, with_button(await admin.bot_messages(), approve), approve)
    await walker.settle()
    expert = await vitrine.services.repos.experts.by_handle("lina_glow")
    assert expert is not None and expert.status == "verified"
    return lina, admin


async def verified_merchant(
    vitrine: Runtime, walker: ScreenWalker, sim: Sim, code: str
) -> tuple[SimUser, SimUser]:
    """A shop owner registers with /become_merchant and the admin approves the shop in the bot."""
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", code)
    await walker.say(admin, "/start")
    bo = await sim.user(MERCHANT_ID, "Bo", code)
    await walker.say(bo, "/start")
    for answer in ("/become_merchant", "taobao", "9990001", "Bo's Gadgets", "here"):
        await walker.say(bo, answer)
    await walker.settle()
    [shop] = await vitrine.services.repos.merchants.of_user(
        (await vitrine.services.repos.users.by_telegram_id(bo.id)).id  # type: ignore[union-attr]
    )
    approve = encode(MerchantReview(shop.id, True))
    await walker.press(admin, with_button(await admin.bot_messages(), approve), approve)
    await walker.settle()
    [shop] = await vitrine.services.repos.merchants.of_user(shop.user_id)
    assert shop.is_active
    return bo, admin


@LANGUAGES
async def test_a_brand_new_fans_first_day(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    walker = walker_for(vitrine, sim)
    mia = await sim.user(FAN_ID, "小美" if language == "zh_Hans" else "Mia", code)
    commands = await live_the_day(walker, mia, code)
    await assert_a_clean_day(vitrine, walker, await everyone(sim), commands)


@LANGUAGES
async def test_an_expert_just_approved_with_nothing_published(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    walker = walker_for(vitrine, sim)
    lina, _admin = await approved_expert(vitrine, walker, sim, code)
    commands = await live_the_day(walker, lina, code)
    await assert_a_clean_day(vitrine, walker, await everyone(sim), commands)


@LANGUAGES
async def test_a_merchant_just_verified(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    walker = walker_for(vitrine, sim)
    bo, _admin = await verified_merchant(vitrine, walker, sim, code)
    commands = await live_the_day(walker, bo, code, own=MERCHANT_COMMANDS)
    await assert_a_clean_day(vitrine, walker, await everyone(sim), commands)


@LANGUAGES
async def test_an_admins_first_day(vitrine: Runtime, sim: Sim, language: str, code: str) -> None:
    walker = walker_for(vitrine, sim)
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", code)
    commands = await live_the_day(walker, admin, code, own=ADMIN_COMMANDS)
    await assert_a_clean_day(vitrine, walker, await everyone(sim), commands)
