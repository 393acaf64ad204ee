"""Optional dependency groups (pyproject.toml's extras) and the error naming a missing one.

Serving, ``check``, ``score``, ``replay`` and ``eval`` of the bundled model need none of them:

* ``train``: scikit-learn and scipy, for ``chatwarden train`` (and ``features.matrix``);
* ``parquet``: pyarrow, for analytics exports in Parquet (CSV needs nothing).

``scripts/install`` installs both (the tests use them). A feature that needs one imports it
where it is used and turns the ``ImportError`` into ``MissingExtra`` with ``missing_extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from chatwarden.errors import ChatWardenError

#: Extra -> the top-level modules it provides (with their own dependencies).
EXTRAS: Final[Mapping[str, tuple[str, ...]]] = {
    "train": ("sklearn", "scipy", "joblib", "threadpoolctl"),
    "parquet": ("pyarrow",),
}


class MissingExtra(ChatWardenError):
    """A feature needs an optional dependency group that is not installed (HTTP 501)."""

    code = "missing_extra"

    def __init__(self, extra: str, feature: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the [{extra}] extra ({module} is not installed): "
            f"pip install 'chatwarden[{extra}]'"
        )
        self.extra = extra


def missing_extra(exc: ImportError, extra: str, feature: str) -> MissingExtra:
    """``MissingExtra`` for ``exc`` when it is a module of ``extra``; otherwise ``exc`` again.

    Only a missing module of that extra is an install problem; any other import error is a bug
    and is re-raised unchanged.
    """
    module = (exc.name or "").partition(".")[0]
    if module not in EXTRAS[extra]:
        raise exc
    return MissingExtra(extra, feature, module)
