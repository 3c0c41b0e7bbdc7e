"""Reports: campaign funnels, expert overviews, platform totals, charts and CSV exports.

`model` is pure (numbers in, derived ratios and consistency checks out); `charts` and `export`
turn those numbers into PNG and CSV bytes; `views` loads, renders and hands them to handlers.
"""
