"""The control surface tests use, and the one lock around every request.

POST /hpctl-emu/config   replace the settings (see state.DEFAULTS) with a JSON object
GET  /hpctl-emu/config   the settings in force
GET  /hpctl-emu/health   answers once the patched server is ready
GET  /hpctl-emu/inventory?region=R   what the emulator holds (see inventory.py)
POST /moto-api/reset     moto's own reset, which here also resets the settings
                         and stops every operation still running
"""

import json
import re

from moto.core import responses as core_responses
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

from . import state
from .state import LOCK

_UNKNOWN = re.compile(r"The (\w+) action has not been implemented")


class InvalidAction(ServiceException):
    code = "InvalidAction"


def cache_module_list():
    """moto's dispatcher finds a request's backend by listing its own
    package folder (backends.list_of_moto_modules: a listdir and a stat per
    service, some 150) on every request; the list cannot change while the
    server runs, so it is read once. A cost of moto's server, not of AWS."""
    from moto import backends
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def answer_unknown_actions():
    """moto answers an action it lacks with an HTML 500, which SDKs retry as a
    server fault; AWS answers InvalidAction, a client error that is not retried."""
    original = core_responses.BaseResponse.call_action

    def call_action(self):
        try:
            return original(self)
        except NotImplementedError as err:
            if not _UNKNOWN.match(str(err)):
                raise
            status, headers, body = self.serialized(ActionResult(InvalidAction(
                f"The action {self._get_action()} is not valid for this web service (the emulator does not implement it)")))
            return 400, headers, body

    core_responses.BaseResponse.call_action = call_action


class Control:
    def __init__(self, app, patches):
        self.app, self.patches = app, patches

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        with LOCK:
            if path.startswith("/hpctl-emu/"):
                return self.control(path, method, environ, start_response)
            if path == "/moto-api/reset" and method == "POST":
                state.reset()
            # Drain the response inside the lock: moto builds it lazily.
            return [b"".join(self.app(environ, start_response))]

    def control(self, path, method, environ, start_response):
        if path == "/hpctl-emu/health":
            return reply(start_response, 200, {"ok": True, "patches": self.patches})
        if path == "/hpctl-emu/inventory":
            from urllib.parse import parse_qs

            from .inventory import inventory
            region = parse_qs(environ.get("QUERY_STRING", "")).get("region", ["us-west-2"])[0]
            return reply(start_response, 200, inventory(region))
        if path == "/hpctl-emu/config" and method == "GET":
            return reply(start_response, 200, state.STATE.config)
        if path == "/hpctl-emu/config" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                state.configure(json.loads(environ["wsgi.input"].read(length) or b"{}"))
            except (ValueError, TypeError) as err:
                return reply(start_response, 400, {"error": str(err)})
            return reply(start_response, 200, state.STATE.config)
        return reply(start_response, 404, {"error": f"no {method} {path}"})


def reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(f"{status} {'OK' if status == 200 else 'Error'}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
