"""Demo data for `vitrine run` in sandbox mode and `vitrine seed-demo` (never production).

`catalogue` holds who and what the demo is (its people, shops, experts and their items), `photos`
draws the items' pictures locally with Pillow (no network), and `seed` loads the catalogue into a
database (idempotently: running it twice leaves one copy) and sets up the sandbox for it.
"""
