"""Merchants: shops (registration, review, signing secrets), terms with experts, orders and
earnings, one use case per function.

The order callbacks themselves (intake, status machine, notices, settlement) are under
bot/orders; the callback data of the merchant screens is bot/orders/callbacks.py.
"""
