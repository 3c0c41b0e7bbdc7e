"""The Mini App storefront: the fan side of the bot as a Telegram Mini App.

`init_data` checks who is calling (Telegram's signed initData); `routes` serves the app's shell
and the JSON API its screens call, through the same services as the chat handlers.
"""
