"""The members app's admin pages, one module per topic; importing them registers their ModelAdmins."""

from .development import admin as development_admin  # noqa: F401
from .dues import admin as dues_admin  # noqa: F401
from .imports import admin as imports_admin  # noqa: F401
from .orglife import admin as orglife_admin  # noqa: F401
from .points import admin as points_admin  # noqa: F401
from .records import admin as records_admin  # noqa: F401
from .selfservice import admin as selfservice_admin  # noqa: F401
from .training import admin as training_admin  # noqa: F401
from .transfers import admin as transfers_admin  # noqa: F401
