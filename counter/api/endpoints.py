"""``/api/v1``: the JSON API (flask-smorest: the marshmallow schemas of :mod:`counter.api.schemas` validate
the requests and make the OpenAPI document at ``/api/v1/openapi.json``).

Every call carries ``Authorization: Bearer <key>``. In one place (:func:`_authenticate`, before every view):
the key is checked (missing, unknown, expired, revoked: 401), its scope (403), its rate limit (429, per key,
``RATE_LIMITS["api"]``); the key's street restriction becomes the request's street scope (the scope hook
of :mod:`counter.core.scoping`), and the key's client stands in for the user (audit entries and lease
events say ``api:<client>``). After every call (:func:`_audit`) the call is audited with the client;
a refused call's audit entry is committed on its own, after the rollback of whatever the call did.
Errors are ``application/problem+json`` (RFC 9457) with field details.
"""
from __future__ import annotations

import http

from flask import current_app, g, request
from flask.views import MethodView  # noqa: F401  (flask-smorest also takes method views)
from flask_babel import gettext as _
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

import marshmallow as ma

from counter.api import schemas as s
from counter.api import services
from counter.api.services import ApiServiceError
from counter.core import scoping
from counter.core.ratelimit import configured_limit, hit
from counter.extensions import csrf, db

PROBLEM = "application/problem+json"
API_PER_MINUTE = 120  # per key (config RATE_LIMITS["api"])
ERROR_CODES = (400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 500)

blp = Blueprint("api_v1", __name__, url_prefix="/api/v1",
                description="Lease filings, proofs and tax estimates of the district rental housing office")
csrf.exempt(blp)  # bearer keys, no cookies: nothing for a cross-site form to ride on

SCOPE_OF: dict[str, str] = {}


def needs(scope: str):
    """The scope a view needs (checked by :func:`_authenticate`); documents its 401, 403 and 429."""

    def decorator(view):
        SCOPE_OF[f"{blp.name}.{view.__name__}"] = scope
        view = blp.alt_response(401, response="UNAUTHORIZED", description="No key, or an unknown, expired or "
                                                                          "revoked key")(view)
        view = blp.alt_response(403, response="FORBIDDEN", description=f"The key lacks the scope {scope}")(view)
        return blp.alt_response(429, response="TOO_MANY_REQUESTS", description="The key's rate limit")(view)

    return decorator


class Api(SmorestApi):
    """flask-smorest's Api whose error responses are problem+json, and which leaves the HTML error pages of
    the rest of the app alone (its handlers are registered on the API blueprint only)."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM if status >= 400 else self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    ERROR_SCHEMA = s.ProblemSchema


# ----------------------------------------------------------------------------------------- problems

def _flatten(messages, location=None, path=()):
    """webargs' nested messages -> [{"field": "parties[0].name", "location": "json", "message": ...}]."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.extend(_flatten(value, location, path + (key,)))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            out.extend(_field_error(path, location, m) for m in messages)
        else:
            for m in messages:
                out.extend(_flatten(m, location, path))
    else:
        out.append(_field_error(path, location, str(messages)))
    return out


def _field_error(path, location, message):
    name = ""
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            name += f"[{part}]"
        elif part == "_schema":
            continue
        else:
            name += ("." if name else "") + str(part)
    return {"field": name or None, "location": location, "message": message}


def problem(status: int, detail: str | None = None, errors=None, title: str | None = None, headers=None):
    body = {"type": "about:blank", "title": title or http.HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    resp = current_app.response_class(current_app.json.dumps(body), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _http_problem(exc: HTTPException):
    db.session.rollback()
    data = getattr(exc, "data", None) or {}
    errors = []
    messages = data.get("messages") or data.get("errors")
    if isinstance(messages, dict):
        for location, inner in messages.items():
            errors.extend(_flatten(inner, location))
    code = exc.code or 500
    detail = data.get("message")
    if code == 422 and errors:
        detail = detail or _("The request is not valid.")
    elif code == 400:
        detail = detail or _("The request could not be read (send JSON).")
    elif code == 500:
        detail = _("Something went wrong. Nothing was saved; please try again.")
    elif code == 404:
        detail = detail or _("Not found.")
    headers = dict(data.get("headers") or {})
    if code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return problem(code, detail, errors or None, headers=headers)


def _service_problem(exc: ApiServiceError):
    db.session.rollback()
    headers = dict(exc.headers)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="counter"'
    return problem(exc.status, exc.detail, exc.errors or None, exc.title, headers=headers)


for _code in ERROR_CODES:
    blp.register_error_handler(_code, _http_problem)
blp.register_error_handler(HTTPException, _http_problem)
blp.register_error_handler(ApiServiceError, _service_problem)


# -------------------------------------------------------------------------------------- authentication

def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


@blp.before_request
def _authenticate():
    g.api_principal = None
    scope = SCOPE_OF.get(request.endpoint or "")
    if scope is None:  # not an API view (a 404 inside the prefix, say): nothing to authorise
        return None
    principal = services.authenticate(_bearer())
    g.api_principal = principal
    if scope not in principal.scopes:
        raise ApiServiceError(403, _("This key does not have the scope %(scope)s.", scope=scope))
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limit, window = configured_limit("api", (API_PER_MINUTE, 60))
        decision = hit("api", principal.prefix, limit=limit, window=window)
        db.session.commit()  # counted even when the call then fails
        if not decision.allowed:
            raise ApiServiceError(429, _("Too many requests with this key. Try again in %(n)s s.",
                                         n=decision.retry_after), headers={"Retry-After": str(decision.retry_after)})
    g._login_user = principal  # audit entries and lease events name the client
    scoping.set_scope(principal.street_ids())  # the request's scope token is reset at teardown (counter.web)
    return None


@blp.after_request
def _audit(response):
    principal = g.get("api_principal")
    if principal is None:
        return response
    path = request.path[:120]
    if response.status_code >= 400:
        db.session.rollback()  # nothing the call did stays; its audit entry does
        detail = None
        if response.mimetype == PROBLEM:
            detail = (response.get_json(silent=True) or {}).get("detail")
        services.audit_call(principal, request.method, path, response.status_code, detail)
        db.session.commit()
    else:
        services.touch_key(principal)
        services.audit_call(principal, request.method, path, response.status_code)
        if request.method == "GET":
            from counter.web import commit_on_get

            commit_on_get()
    return response


# -------------------------------------------------------------------------------------------- leases

@blp.route("/leases", methods=["GET"])
@needs("leases:read")
@blp.arguments(s.LeaseQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, s.LeaseListSchema)
def lookup_leases(args):
    """Leases by registration number or code, or by house code

    Within the key's street, if it has one. Names, ID numbers and phones are masked unless the key also
    holds `leases:register`.
    """
    leases = services.find_leases(registration=args.get("registration"), house_code=args.get("house_code"))
    return {"items": [services.lease_view(lease, g.api_principal) for lease in leases]}


def _party_inputs(parties):
    from counter.leases.services import PartyInput

    return [PartyInput(role=p["role"], name=p["name"], id_type=p["id_type"], id_number=p["id_number"],
                       phone=p.get("phone"), address=p.get("address"), slot=f"parties-{i}")
            for i, p in enumerate(parties)]


PROPERTY_FIELDS = {"house_code", "building_code", "address", "room", "floor_area", "design_use"}


def _api_field(key: str) -> str | None:
    """A service error key (the window form's field names) -> the API's field path."""
    if not key:
        return None
    if key in PROPERTY_FIELDS:
        return f"property.{key}"
    parts = key.split("-")
    if len(parts) == 3 and parts[1].isdigit():
        if parts[0] == "parties":
            return f"parties[{parts[1]}].{parts[2]}"
        return "parties"  # "at least one landlord / tenant", "at most one agent"
    return key


@blp.route("/leases", methods=["POST"])
@needs("leases:register")
@blp.arguments(s.IdempotencyHeaderSchema, location="headers")
@blp.arguments(s.RegistrationSchema)
@blp.response(201, s.LeaseSchema)
@blp.alt_response(409, schema=s.ProblemSchema, content_type=PROBLEM,
                  description="An overlapping active lease (send confirm_overlap), or the first request with "
                              "this Idempotency-Key is still running")
def register_lease(headers, body):
    """Register a lease (新增备案) through the window's own service

    `Idempotency-Key` is required: a retry with the same key and the same body returns the first answer
    (header `Idempotent-Replayed: true`); the same key with another body answers 422.
    """
    from counter.leases import services as leases
    from counter.leases.services import LeaseInput, OverlapError, to_centi, to_fen

    principal = g.api_principal
    idem_key = services.clean_idempotency_key(headers["idempotency_key"])
    digest = services.body_hash(request.get_json(silent=True))
    row, first = services.claim_idempotency(principal, idem_key, "lease.register", digest)
    if not first:
        answer, status = services.replay(row, "lease.register", digest)
        resp = current_app.response_class(current_app.json.dumps(answer), status=status, mimetype="application/json")
        resp.headers["Idempotent-Replayed"] = "true"
        return resp
    street_id = services.street_id_for(body.get("street"), principal)
    prop = body["property"]
    errors = []

    def convert(parse, value, field):  # amounts and areas beyond the bounds (parse_money / parse_area)
        try:
            return parse(value)
        except ValueError as exc:
            errors.append({"field": field, "location": "json", "message": str(exc)})
            return None

    amounts = {"rented_area_centi": convert(to_centi, body["rented_area"], "rented_area"),
               "monthly_rent_fen": convert(to_fen, body["monthly_rent"], "monthly_rent"),
               "deposit_fen": convert(to_fen, body.get("deposit"), "deposit") or 0,
               "floor_area_centi": convert(to_centi, prop.get("floor_area"), "property.floor_area")}
    if errors:
        raise ApiServiceError(422, _("The request is not valid."), errors)
    data = LeaseInput(street_id=street_id, lease_use=body["lease_use"], signing_date=body["signing_date"],
                      start_date=body["start_date"], end_date=body["end_date"], payment_cycle=body["payment_cycle"],
                      is_sublease=body["is_sublease"], parties=_party_inputs(body["parties"]),
                      house_code=prop.get("house_code"), building_code=prop.get("building_code"),
                      address=prop.get("address"), room=prop.get("room"), design_use=prop.get("design_use"),
                      has_title=prop.get("has_title", True), **amounts)
    try:
        lease = leases.register_lease(data, confirm_overlap=body["confirm_overlap"])
    except OverlapError as exc:
        raise ApiServiceError(409, exc.messages()[0], [{"field": "confirm_overlap", "message": exc.messages()[0]}],
                              title="Overlapping lease") from None
    except leases.LeaseError as exc:
        errors = [{"field": _api_field(k), "location": "json", "message": m} for k, msgs in exc.errors.items()
                  for m in msgs]
        raise ApiServiceError(422, _("The filing was refused."), errors) from None
    view = services.lease_view(lease, principal)
    services.store_answer(row, 201, s.LeaseSchema().dump(view), lease.id)
    return view, 201


# -------------------------------------------------------------------------------------------- proofs

@blp.route("/proofs/<code>", methods=["GET"])
@needs("proofs:verify")
@blp.response(200, s.ProofSchema)
def verify_proof(code):
    """Verify one printed proof by its verification code

    Status (valid, void, superseded), the original's issue date and the masked holder. 404 when no proof
    has this code.
    """
    if len(code) > 64:
        raise ApiServiceError(404, _("No printed proof has this verification code."))
    result = services.verify_codes([code])[0]
    if not result["found"]:
        raise ApiServiceError(404, _("No printed proof has this verification code."))
    return result


@blp.route("/proofs/verify", methods=["POST"])
@needs("proofs:verify")
@blp.arguments(s.BulkVerifySchema)
@blp.response(200, s.BulkResultSchema)
def verify_proofs(body):
    """Verify up to 1,000 proofs in one request

    One result per code, in the order sent (a code sent twice answers twice). A handful of queries
    whatever the number of codes.
    """
    results = services.verify_codes(body["codes"])
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"results": results, "counts": counts}


# ----------------------------------------------------------------------------------------------- tax

@blp.route("/tax/estimate", methods=["GET"])
@needs("tax:estimate")
@blp.arguments(s.EstimateQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, s.EstimateSchema)
def tax_estimate(args):
    """Estimate the rental tax (the public estimate's engine): rent periods from today"""
    return services.estimate(args["use"], args["landlord_kind"], args["monthly_rent"], args["area"],
                             args["months"], args.get("street"))


# ---------------------------------------------------------------------------------------------- feed

@blp.route("/changes", methods=["GET"])
@needs("leases:read")
@blp.arguments(s.ChangesQuerySchema, location="query", unknown=ma.RAISE)
@blp.response(200, s.ChangesSchema)
def changes(args):
    """Filings and status changes since a cursor

    Oldest first, at most `limit`; keep `next_cursor` and ask again with it (an empty page also gives
    one). Within the key's street, if it has one.
    """
    return services.changes(args.get("cursor"), args["limit"])


def init_api(app) -> Api:
    app.config.setdefault("API_TITLE", "Rental counter API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Lease filings (房屋租赁合同登记备案), printed proofs and tax estimates. "
                                "Authenticate with `Authorization: Bearer <key>` (keys are issued by the "
                                "district administrator). Errors are application/problem+json."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    })
    api = Api(app)
    api.register_blueprint(blp)
    return api
