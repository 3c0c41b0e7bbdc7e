"""The simulated checkout in pull mode: Pay and Refund change the partner's order book.

A shop whose checkout entry says ``"mode": "pull"`` sends no callback: its partner platform
(a `PartnerOrderBook`) records the order with the click id as sub_id, and Vitrine learns of it
when it next polls the partner's order-details API (sandbox/partner_api.py). This module turns
one Pay or Refund into that change and renders the page that says so, in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, select_autoescape
from starlette.responses import HTMLResponse

from bot.domain.money import format_fen
from sandbox.partner_book import PartnerOrderBook
from sandbox.partner_orders import BookError


@dataclass(frozen=True)
class PullOutcome:
    """What the partner did with one Pay or Refund: `event` is reported_later (recorded; the
    publisher sees it on its next poll), already (the refund was recorded before) or refused
    (`reason`: unknown_platform, unknown_order, not_refundable, or the book's code)."""

    event: str
    reason: str = ""


def record_with_partner(
    books: Mapping[str, PartnerOrderBook],
    *,
    platform: str,
    shop_id: str,
    commission_rate_bp: int,
    order_id: str,
    status: str,
    fields: Mapping[str, Any],
) -> PullOutcome:
    """Record a payment (`status` "paid") or a refund of `order_id` in the platform's book."""
    book = books.get(platform)
    if book is None:
        return PullOutcome("refused", "unknown_platform")
    if status == "paid":
        try:
            book.record_payment(
                order_id,
                item_id=fields["item"],
                item_num=fields["quantity"],
                price_fen=fields["price_fen"],
                sub_id=fields["click"] or None,
                shop_id=shop_id,
                commission_rate_bp=commission_rate_bp,
            )
        except BookError as refused:
            return PullOutcome("refused", refused.code)
        return PullOutcome("reported_later")
    order = book.get(order_id)
    # A forged form may name another shop's order: to this shop it does not exist.
    if order is None or order.shop_id != shop_id:
        return PullOutcome("refused", "unknown_order")
    if order.refund_tag:
        return PullOutcome("already")
    try:
        book.refund(order_id)
    except BookError:
        return PullOutcome("refused", "not_refundable")
    return PullOutcome("reported_later")


# Kept beside the code (not in templates/) because only the sandbox ever shows it; the ids match
# templates/web/sandbox_checkout.html.j2 so a browser test reads both pages alike.
RESULT_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulated partner checkout · 模拟结算</title>
<style>
  body { margin: 0; font: 16px/1.5 -apple-system, "Noto Sans CJK SC", Arial, sans-serif;
         background: #fff6e5; color: #2b2b2b; }
  main { max-width: 520px; margin: 0 auto; background: #fff; min-height: 100vh; }
  .banner { background: #ff6a00; color: #fff; padding: 12px 18px; font-weight: 700; }
  section { padding: 18px; }
  button { display: block; width: 100%; margin-top: 18px; padding: 13px; font-size: 1.05rem;
           border: 0; border-radius: 10px; background: #6b7080; color: #fff; font-weight: 600; }
  .ok { color: #1a7f37; } .bad { color: #c62828; }
  code { background: #f2f2f2; padding: 1px 4px; border-radius: 4px; }
</style>
</head>
<body>
<main>
<div class="banner" id="banner">Simulated partner checkout · 模拟合作平台结算</div>
<section>
{% set paid = status == "paid" %}
<h1 id="result" class="{{ 'ok' if outcome.event != 'refused' else 'bad' }}">
  {% if paid %}Paid · 已支付{% else %}Refunded · 已退款{% endif %}
</h1>
<p>Order <code id="order">{{ order_id }}</code> — {{ title }} ×{{ quantity }}
  ({{ (price_fen * quantity)|money }})</p>
<p id="outcome" data-event="{{ outcome.event }}" data-reason="{{ outcome.reason }}">
{% if outcome.event == "reported_later" %}
  <span lang="en">The partner recorded the {{ "order" if paid else "refund" }}; it will report it
  to Vitrine when Vitrine next asks for its orders.</span><br>
  <span lang="zh-Hans">合作平台已记录这笔{{ "订单" if paid else "退款" }}，
  Vitrine 下次查询订单时平台会报告它。</span>
{% elif outcome.event == "already" %}
  <span lang="en">The partner already had this refund: nothing changed.</span><br>
  <span lang="zh-Hans">合作平台已经记录过这笔退款：没有任何变化。</span>
{% else %}
  <span lang="en">The partner could not record this ({{ outcome.reason }}).</span><br>
  <span lang="zh-Hans">合作平台无法记录（{{ outcome.reason }}）。</span>
{% endif %}
</p>
{% if paid and outcome.event == "reported_later" %}
<form method="post" action="/checkout/refund">
  <input type="hidden" name="merchant" value="{{ merchant }}">
  <input type="hidden" name="item" value="{{ item }}">
  <input type="hidden" name="click" value="{{ click }}">
  <input type="hidden" name="price" value="{{ price_fen }}">
  <input type="hidden" name="title" value="{{ title }}">
  <input type="hidden" name="quantity" value="{{ quantity }}">
  <input type="hidden" name="order" value="{{ order_id }}">
  <button type="submit" id="refund">Refund this order (simulated) · 模拟退款</button>
</form>
{% endif %}
</section>
</main>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_ENV.filters["money"] = format_fen
_RESULT = _ENV.from_string(RESULT_PAGE)


def pull_result_page(
    *, order_id: str, status: str, outcome: PullOutcome, fields: Mapping[str, Any]
) -> HTMLResponse:
    """The result page of a pull-mode Pay or Refund (200 even when refused, as in push mode:
    the page says what happened)."""
    html = _RESULT.render(order_id=order_id, status=status, outcome=outcome, **fields)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
