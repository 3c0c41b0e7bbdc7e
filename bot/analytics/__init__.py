"""Analytics (the statistics screens): campaign funnels, expert overviews, platform totals,
charts and CSV exports.

`model` is pure (numbers in, derived ratios and consistency checks out); `charts` and `export`
turn those numbers into PNG and CSV bytes; `service` holds the use cases (who may read what,
one unit of work each); `views` renders their results for the handlers. Fans' reports of items
are something else: bot/admin/item_reports.py.
"""
