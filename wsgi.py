"""Production entry point: ``gunicorn -w 4 -b 127.0.0.1:8000 wsgi:app``.

With ``COUNTER_ENV=production`` the app refuses to start on an unsafe configuration (no SECRET_KEY, demo
users, the demo password): the reasons are printed and the worker exits."""
import sys

from counter import create_app
from counter.production import ProductionConfigError

try:
    app = create_app()
except ProductionConfigError as exc:
    print(exc, file=sys.stderr, flush=True)
    raise SystemExit(3) from None
