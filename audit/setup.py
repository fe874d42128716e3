"""What `migrate` does last: chain every audit table, then set the runtime role's rights."""

from __future__ import annotations

from typing import Any


def after_migrate(sender, *, using: str = "default", plan=None, **kwargs: Any) -> None:
    """post_migrate handler. `flush` (transactional tests) sends post_migrate too, with
    no plan: nothing changed then, so nothing is done."""
    if plan is None:
        return
    from django.db import connections

    from .chain import install_chain
    from .roles import runtime_credentials, setup_runtime_role

    connection = connections[using]
    install_chain(connection)
    credentials = runtime_credentials(connection)
    if credentials is not None:
        setup_runtime_role(connection, *credentials)
