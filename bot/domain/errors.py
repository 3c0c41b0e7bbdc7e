"""The one exception domain rules raise: a stable code plus parameters for the message template."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule was broken; `code` names which one (dotted, stable), `params` fill the template.

    Sentences live in templates, keyed by `code` (e.g. "price.not_a_number",
    "link.host_not_allowed"), so codes are part of the public contract: never rename one.
    """

    code: str
    params: dict[str, object]

    def __init__(self, code: str, /, **params: object) -> None:
        """Record the rule `code` that was broken and the values its message needs."""
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        """Show the code and parameters (for logs; people see the template instead)."""
        if not self.params:
            return self.code
        shown = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.code} ({shown})"

    def __repr__(self) -> str:
        """Show the code and parameters in a constructor-like form."""
        return f"DomainError({self.code!r}, **{self.params!r})"
