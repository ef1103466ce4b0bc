"""The HTTP service behind ``eligibility serve``: evaluate, validate and describe policies over JSON.

Needs the ``server`` extra (FastAPI and uvicorn); the core library never imports this module.
Build the app with :func:`create_app` (any ASGI server runs it) or run it with :func:`serve`.

- ``POST /v1/evaluate?trace=false``: one request (``docs/schema/request.json``) → its decision.
- ``POST /v1/evaluate:batch?trace=false``: a JSON array of at most ``MAX_BATCH_ITEMS`` requests →
  ``{"results": [...]}`` in the same order, each ``{"index", "decision"}`` or ``{"index", "problem"}``:
  one bad request never fails the batch.
- ``POST /v1/validate``: one request → ``{"valid": bool, "issues": [...]}`` (what ``validate`` returns).
- ``GET /v1/policies`` and ``GET /v1/policies/{city}``: versions, windows, programs, codes with labels.

Errors are RFC 9457 problem details (``application/problem+json``: ``type``, ``title``,
``status``, ``detail`` and ``issues``, every field issue with ``path``, ``code``, ``message``).
Nothing identifying is logged: the access log is off, and an unexpected error logs its type only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Query
from fastapi import Request as HttpRequest
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from . import CalendarError, FieldIssue, Policy, PolicySet, RequestError, __version__
from . import bundled_policies, evaluate, validate
from .contract import DECISION_SCHEMA_VERSION, MAX_REQUEST_BYTES, decision_schema, request_schema, scrub
from .codes import policy_codes, program_codes

__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_ITEMS", "PROBLEM_TYPES", "create_app", "serve"]

MAX_BATCH_ITEMS = 1000
"""Requests in one batch; a larger batch is refused whole (413), before any is evaluated."""
MAX_BATCH_BYTES = 16 * MAX_REQUEST_BYTES
"""Bytes of one batch body; one request's body is limited to ``MAX_REQUEST_BYTES`` (1 MiB)."""

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPES = {
    "invalid-request": "The request is invalid",
    "malformed-body": "The body is not a JSON document",
    "too-large": "The body is too large",
    "unknown-city": "No policy for this city",
    "calendar": "A deadline falls outside the official working-day calendar",
    "not-found": "No such resource",
    "method-not-allowed": "Method not allowed",
    "internal": "Internal error",
}
"""Each problem ``type`` (``urn:eligibility:problem:<name>``) with its title; docs/integration.md explains them."""

_log = logging.getLogger("eligibility.server")


class _Problem(Exception):
    """A failed call, answered as a problem-details document."""

    def __init__(self, status: int, name: str, detail: str, issues: list[FieldIssue] | tuple[FieldIssue, ...] = ()):
        super().__init__(detail)
        self.status, self.name, self.detail, self.issues = status, name, detail, list(issues)

    def document(self) -> dict[str, Any]:
        return {"type": f"urn:eligibility:problem:{self.name}", "title": PROBLEM_TYPES[self.name],
                "status": self.status, "detail": self.detail,
                "issues": [{"path": i.path, "code": i.code, "message": i.message} for i in self.issues]}

    def response(self) -> Response:
        return Response(json.dumps(self.document(), ensure_ascii=False), status_code=self.status,
                        media_type=PROBLEM_MEDIA_TYPE)


def _refused(exc: RequestError) -> _Problem:
    count = len(exc.issues)
    return _Problem(422, "invalid-request", f"{count} problem{'s' if count > 1 else ''}; see issues", exc.issues)


def _calendar(exc: CalendarError) -> _Problem:
    return _Problem(422, "calendar", str(exc), [FieldIssue("as_of", "calendar_out_of_range", str(exc))])


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def _json_body(http: HttpRequest, limit: int) -> Any:
    """The body decoded as strict JSON, refused unread when its declared length passes ``limit``."""
    too_large = _Problem(413, "too-large", f"the body is larger than {limit} bytes",
                         [FieldIssue("", "request_too_large", f"at most {limit} bytes")])
    declared = http.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in http.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks), parse_constant=_no_constant)
    except RecursionError:
        raise _Problem(400, "malformed-body", "the body nests too deep",
                       [FieldIssue("", "too_deep", "the body nests deeper than a request can")]) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError: positions only, never the text
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise _Problem(400, "malformed-body", f"the body is not JSON{where}",
                       [FieldIssue("", "syntax", f"not JSON{where}: {getattr(exc, 'msg', 'not UTF-8')}")]) from None


def _decide(data: Any, policies: PolicySet, trace: bool) -> str:
    try:
        return evaluate(data, policies, trace=trace).to_json(trace=trace)
    except RequestError as exc:
        raise _refused(exc) from None
    except CalendarError as exc:
        raise _calendar(exc) from None


def _decide_batch(items: list[Any], policies: PolicySet, trace: bool) -> str:
    results = []
    for index, item in enumerate(items):
        try:
            results.append(f'{{"index":{index},"decision":{_decide(item, policies, trace)}}}')
        except _Problem as problem:
            results.append(json.dumps({"index": index, "problem": problem.document()}, ensure_ascii=False))
    return '{"results":[' + ",".join(results) + "]}"


def _policy_summary(policy: Policy, *, codes: bool) -> dict[str, Any]:
    summary: dict[str, Any] = {"city": policy.city, "name": policy.name, "region": policy.region, "versions": [{
        "id": version.id, "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        "document": {"number": version.document.number, "title": version.document.title,
                     "issuers": list(version.document.issuers),
                     "issued": version.document.issued.isoformat() if version.document.issued else None},
        "programs": [{"name": program.name, "label": program.label, "label_en": program.label_en,
                      "years": program.years and list(program.years),
                      **({**program_codes(program),
                          "parameters": [{"name": p.name, "label": p.label, "label_en": p.label_en, "unit": p.unit,
                                          "caller_supplied": p.caller_supplied} for p in program.parameters]}
                         if codes else {})}
                     for program in version.programs],
    } for version in policy.versions]}
    if codes:
        summary["codes"] = policy_codes(policy)
    return summary


def _json(content: Any) -> Response:
    return Response(json.dumps(content, ensure_ascii=False), media_type="application/json")


def _openapi_schemas() -> dict[str, Any]:
    """Request and Decision as OpenAPI components: the same models and calls as ``eligibility schema``."""
    components: dict[str, Any] = {}
    for name, published in (("Request", request_schema()), ("Decision", decision_schema())):
        schema = json.loads(json.dumps(published).replace("#/$defs/", "#/components/schemas/"))
        components.update(schema.pop("$defs", {}))
        components[name] = {k: v for k, v in schema.items() if k not in ("$id", "$schema")}
    return components


def _body_of(name: str, description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
    if name == "Batch":
        schema = {"type": "array", "maxItems": MAX_BATCH_ITEMS, "items": {"$ref": "#/components/schemas/Request"}}
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, text in ((400, "the body is not JSON"), (413, "the body or batch is too large"),
                         (422, "the request is invalid: every problem in `issues`"))}

_PROBLEM_SCHEMA = {"type": "object", "required": ["type", "title", "status", "detail", "issues"], "properties": {
    "type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"}, "issues": {"type": "array", "items": {
        "type": "object", "required": ["path", "code", "message"], "properties": {
            "path": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}}


def create_app(policies: PolicySet | Policy | None = None) -> FastAPI:
    """The ASGI app over ``policies`` (default: the bundled set, compiled now, not on the first call)."""
    chosen = policies if policies is not None else bundled_policies()
    policy_set = chosen if isinstance(chosen, PolicySet) else PolicySet({chosen.city: chosen})
    app = FastAPI(title="eligibility", version=__version__, openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None, description=f"Decisions of schema_version {DECISION_SCHEMA_VERSION}; "
                                              "see docs/integration.md.")
    trace_flag = Query(False, description="include the trace (every step with its clause); several times slower")

    @app.post("/v1/evaluate", responses={200: {"description": "the decision, whatever it says", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}}, **_PROBLEM_RESPONSES},
        openapi_extra=_body_of("Request", "one request"), summary="Decide one request")
    async def evaluate_one(http: HttpRequest, trace: bool = trace_flag) -> Response:
        data = await _json_body(http, MAX_REQUEST_BYTES)
        return Response(await run_in_threadpool(_decide, data, policy_set, trace), media_type="application/json")

    @app.post("/v1/evaluate:batch", responses={200: {"description": "one result per request, in order"},
                                               **_PROBLEM_RESPONSES},
              openapi_extra=_body_of("Batch", f"at most {MAX_BATCH_ITEMS} requests"), summary="Decide many requests")
    async def evaluate_batch(http: HttpRequest, trace: bool = trace_flag) -> Response:
        items = await _json_body(http, MAX_BATCH_BYTES)
        if not isinstance(items, list):
            raise _Problem(422, "invalid-request", "a batch is a JSON array of requests",
                           [FieldIssue("", "type", f"expected an array, got {type(items).__name__}")])
        if len(items) > MAX_BATCH_ITEMS:
            raise _Problem(413, "too-large", f"{len(items)} requests in one batch; at most {MAX_BATCH_ITEMS}",
                           [FieldIssue("", "batch_too_large", f"at most {MAX_BATCH_ITEMS} requests")])
        return Response(await run_in_threadpool(_decide_batch, items, policy_set, trace),
                        media_type="application/json")

    @app.post("/v1/validate", responses={200: {"description": "valid, or every issue"}, **_PROBLEM_RESPONSES},
              openapi_extra=_body_of("Request", "one request"), summary="Check one request without deciding")
    async def validate_one(http: HttpRequest) -> Response:
        data = await _json_body(http, MAX_REQUEST_BYTES)
        issues = await run_in_threadpool(validate, data, policy_set)
        return _json({"valid": not issues, "issues": [{"path": i.path, "code": i.code, "message": i.message}
                                                      for i in issues]})

    @app.get("/v1/policies", summary="Cities, versions and their windows")
    async def list_policies() -> Response:
        return _json({"policies": [_policy_summary(p, codes=False) for p in policy_set]})

    @app.get("/v1/policies/{city}", responses={404: _PROBLEM_RESPONSES[422] | {"description": "unknown city"}},
             summary="One city's versions, programs, categories, parameters and codes with labels")
    async def one_policy(city: str) -> Response:
        policy = policy_set.get(city)
        if policy is None:
            raise _Problem(404, "unknown-city", f"no policy for this city; known: {', '.join(policy_set.cities)}")
        return _json(_policy_summary(policy, codes=True))

    _install_error_handlers(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(_openapi_schemas())
            schemas["Problem"] = _PROBLEM_SCHEMA
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(_Problem)
    async def problem(_: HttpRequest, exc: _Problem) -> Response:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(_: HttpRequest, exc: RequestValidationError) -> Response:
        issues = [FieldIssue(".".join(str(p) for p in error["loc"]), error["type"], error["msg"])
                  for error in exc.errors()]
        return _Problem(422, "invalid-request", "a query or path parameter is invalid", issues).response()

    @app.exception_handler(HTTPException)
    async def http_error(_: HttpRequest, exc: HTTPException) -> Response:
        name = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "internal")
        return _Problem(exc.status_code, name, str(exc.detail)).response()

    @app.middleware("http")
    async def no_unmasked_tracebacks(http: HttpRequest, call_next: Any) -> Response:
        # an unexpected exception's message or traceback could quote a request; log its type only
        try:
            return await call_next(http)
        except Exception as exc:  # noqa: BLE001 - answered as a 500 problem
            _log.error("internal error %s on %s %s", type(exc).__name__, http.method, scrub(http.url.path))
            return _Problem(500, "internal", "an internal error; the server log names its type").response()


def serve(policies: PolicySet | Policy | None = None, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app with uvicorn until interrupted; the access log is off (it would log URLs and clients)."""
    import uvicorn

    uvicorn.run(create_app(policies), host=host, port=port, access_log=False, server_header=False,
                log_level="info")
