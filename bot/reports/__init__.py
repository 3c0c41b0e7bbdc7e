"""Kept for old imports: the statistics screens are bot/analytics ("reports" alone named three
things: fans' item reports are bot/admin/item_reports.py)."""
