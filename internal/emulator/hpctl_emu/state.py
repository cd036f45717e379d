"""What every patch shares: one lock, the settings tests control, and a
generation counter that a reset bumps so that work started before the reset
stops instead of writing into the new state."""

import copy
import fnmatch
import threading
import time

# Requests and background stack operations take turns under this lock, so
# moto's models (which are not thread-safe) only ever see one writer.
LOCK = threading.RLock()

DEFAULTS = {
    # Seconds each resource takes to create or delete.
    "resourceSeconds": 0.0,
    # Extra seconds a stack whose name matches stays in progress before it
    # completes: [{"stack": "glob", "seconds": 2.5}].
    "stackSeconds": [],
    # Resources that fail: [{"stack": "glob", "logicalId": "Id",
    # "reason": "Code: message", "operation": "create" | "update" | "delete"}].
    "failures": [],
    # Seconds a HyperPod cluster spends Creating, and Deleting.
    "clusterSeconds": 0.0,
    # Clusters that end Failed: [{"name": "glob", "message": "..."}].
    "clusterFailures": [],
}


class _State:
    def __init__(self):
        self.config = copy.deepcopy(DEFAULTS)
        self.generation = 0


STATE = _State()


def configure(settings):
    """Replace the settings with DEFAULTS updated by settings; unknown keys are refused."""
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    config = copy.deepcopy(DEFAULTS)
    config.update({k: copy.deepcopy(v) for k, v in settings.items() if v is not None})
    STATE.config = config


def reset():
    STATE.config = copy.deepcopy(DEFAULTS)
    STATE.generation += 1


def alive(generation):
    return generation == STATE.generation


def stack_seconds(stack_name):
    return sum(float(s.get("seconds", 0)) for s in STATE.config["stackSeconds"]
               if fnmatch.fnmatchcase(stack_name, s.get("stack", "*")))


def failure(stack_name, logical_id, operation):
    """The injected failure reason for this resource and operation, or None."""
    for f in STATE.config["failures"]:
        if (f.get("operation", "create") == operation
                and f.get("logicalId") == logical_id
                and fnmatch.fnmatchcase(stack_name, f.get("stack", "*"))):
            return f.get("reason") or "InternalFailure: injected by the test"
    return None


def cluster_failure(cluster_name):
    for f in STATE.config["clusterFailures"]:
        if fnmatch.fnmatchcase(cluster_name, f.get("name", "*")):
            return f.get("message") or "injected by the test"
    return None


def pause(seconds, generation, stop=lambda: False):
    """Sleep without holding the lock; False when a reset happened
    meanwhile, or when stop() says the work is cancelled."""
    end = time.monotonic() + seconds
    while True:
        if not alive(generation) or stop():
            return False
        left = end - time.monotonic()
        if left <= 0:
            return True
        time.sleep(min(left, 0.02))


class HandlerError(Exception):
    """A resource handler's failure, worded as CloudFormation words it:
    "Code: Resource handler returned message: ..."."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def handler_error(service, detail, status=400, code="InvalidRequest"):
    return HandlerError(code, f'Resource handler returned message: "{detail}" (Service: {service}, Status Code: {status})')
