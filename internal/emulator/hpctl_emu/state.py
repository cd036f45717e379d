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
    # When above 0, each resource takes its type's time on AWS (PROFILE)
    # times this factor instead, and the HyperPod cluster too.
    "timeScale": 0.0,
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
    # Groups kept below their target once their cluster is InService, as
    # continuous provisioning can, the missing instances failing with the
    # message: [{"cluster": "glob", "group": "name", "count": 1, "message": "..."}].
    "shortGroups": [],
    # Applied values of SageMaker's quotas by name (quotas.py).
    "quotas": {},
    # The training plans that exist (trainingplans.py).
    "trainingPlans": [],
    # Groups whose lifecycle script fails on every node (lifecyclelogs.py).
    "lifecycleFailures": [],
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


# Seconds a resource type takes to create, and to delete, on AWS. The
# README's emulator section gives each figure's source; the ones it marks as
# estimates have no published measurement we could find.
PROFILE = {
    "AWS::EKS::Cluster": (606, 300),
    "AWS::EKS::Addon": (60, 30),
    "AWS::EKS::AccessEntry": (5, 5),
    "AWS::EKS::PodIdentityAssociation": (5, 5),
    "AWS::EC2::NatGateway": (180, 60),
    "AWS::EC2::VPCEndpoint": (120, 60),
    "AWS::FSx::FileSystem": (600, 300),
    "AWS::SageMaker::Cluster": (1200, 600),
    "AWS::IAM::Role": (15, 5),
    "AWS::IAM::Policy": (15, 5),
    "AWS::Lambda::Function": (10, 5),
    "AWS::Lambda::LayerVersion": (10, 5),
    "AWS::APS::Workspace": (30, 30),
    "AWS::RDS::DBInstance": (600, 300),
    "AWS::CloudFormation::CustomResource": (120, 30),
    "Custom::": (120, 30),
}
QUICK = (3, 3)  # VPCs, subnets, routes, groups, buckets, parameters


def resource_seconds(resource_type, phase):
    """How long a resource of this type takes to create or delete: its
    profile times timeScale when that is set, else resourceSeconds."""
    scale = float(STATE.config.get("timeScale") or 0)
    if scale <= 0:
        return STATE.config["resourceSeconds"]
    key = "Custom::" if resource_type.startswith("Custom::") else resource_type
    create, delete = PROFILE.get(key, QUICK)
    return scale * (create if phase == "create" else delete)


def cluster_seconds(phase):
    """How long a HyperPod cluster is Creating, Updating or Deleting."""
    if float(STATE.config.get("timeScale") or 0) > 0:
        return resource_seconds("AWS::SageMaker::Cluster", "delete" if phase == "delete" else "create")
    return STATE.config["clusterSeconds"]


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


def short_group(cluster_name, group_name):
    """The shortGroups entry for a cluster's group (None: it reaches its target)."""
    for g in STATE.config["shortGroups"]:
        if fnmatch.fnmatchcase(cluster_name, g.get("cluster", "*")) and g.get("group") == group_name:
            return g
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


class PropertiesInvalid(Exception):
    """A resource whose properties fail its type's schema. CloudFormation
    checks them before calling the handler; the event's reason is the
    message alone, without a code."""


class LambdaFailed(PropertiesInvalid):
    """A custom resource whose Lambda answered FAILED: CloudFormation's
    reason is "Received response status [FAILED] from custom resource.
    Message returned: <the Lambda's reason>" (AWS CloudFormation User
    Guide, "Custom resources", response objects), without a code."""

    def __init__(self, message):
        super().__init__(f"Received response status [FAILED] from custom resource. Message returned: {message}")


def invalid(logical_id, detail):
    return PropertiesInvalid(f"Properties validation failed for resource {logical_id} with message: {detail}")


def required(props, logical_id, *names, path="#"):
    for name in names:
        if props.get(name) in (None, ""):
            raise invalid(logical_id, f"{path}: required key [{name}] not found")
