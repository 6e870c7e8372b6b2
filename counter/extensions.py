"""Flask extensions, created unbound and initialised in the app factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _session_scope() -> int:
    """One session per request (else per app context). Production pushes an app context per request
    anyway; in tests, a request gets its own session instead of sharing the test's, as in real life."""
    from flask.globals import _cv_app, _cv_request

    req = _cv_request.get(None)
    if req is not None:
        return id(req)
    return id(_cv_app.get())


db = SQLAlchemy(model_class=Base, session_options={"scopefunc": _session_scope})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
