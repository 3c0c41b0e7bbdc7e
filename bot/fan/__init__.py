"""What fans do, one use case per function, each in one unit of work (no Telegram imports).

cart (购物车), favourites (收藏), follows (cards, follow, mute, /following, deep links), window
(橱窗 pages, item cards, pre-sale reservations), search (/experts, inline sharing), feed
(/foryou), top (/top), settings, interests, privacy (/mydata, /forget, blocked). `records` names
the stored records their results carry, so handlers never import storage.
"""
