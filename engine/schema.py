"""Every table of govflow in one metadata, for Alembic and the app.

Core tables live in ``engine.models``; each capability that adds tables keeps them in its
own module beside its code and is imported here, so autogenerate and ``create_app`` see
the whole schema.
"""

from __future__ import annotations

from .deadlines import models as _deadlines  # noqa: F401 - registers the tables
from .incidents import models as _incidents  # noqa: F401
from .jobs import models as _jobs  # noqa: F401
from .models import Base
from .notices import deliveries as _deliveries  # noqa: F401
from .notices import models as _notices  # noqa: F401
from .reforms import models as _reforms_models  # noqa: F401
from .runtime import returned_work as _returned_work  # noqa: F401
from .shared_data import models as _shared_data_models  # noqa: F401
from .shared_data import sharing as _sharing  # noqa: F401
from .sign_in import models as _sign_in_models  # noqa: F401
from .statistics import models as _statistics_models  # noqa: F401
from .verbs import models as _verbs_models  # noqa: F401

metadata = Base.metadata

__all__ = ["Base", "metadata"]
