"""A small CloudFormation engine over moto's resource models.

CloudFormation runs every stack operation in the background: it starts
every resource whose dependencies are complete at once, an event for each
step, a nested stack as a child operation whose failure fails its parent
resource. When one resource fails, the others in flight are cancelled
("Resource creation cancelled") and the stack rolls back, deleting in
reverse dependency order, again in parallel. This engine does the same: a
thread per operation and per resource in flight. It reuses moto's models to
create and delete each resource and moto's ResourceMap to resolve
parameters, conditions and intrinsic functions; moto's models only ever see
one writer, under the LOCK.

Updates (update.py) still run one resource at a time.
"""

import copy
import re
import threading
import traceback
from collections import OrderedDict

from moto.cloudformation import parsing
from moto.cloudformation.models import Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import OutputMap
from moto.cloudformation.utils import get_stack_from_s3_url, random_suffix
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ec2.models.core import TaggedEC2Resource

from . import deleters, natives
from .state import LOCK, STATE, PropertiesInvalid, alive, failure, pause, resource_seconds, stack_seconds

STACK_TYPE = "AWS::CloudFormation::Stack"

# Stack states whose outputs CloudFormation shows.
OUTPUT_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS",
                 "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE",
                 "DELETE_IN_PROGRESS", "DELETE_FAILED"}


class EmulatorError(Exception):
    """Something the emulator cannot do; it fails the resource, like AWS would."""


class Record:
    """One resource of a stack as ListStackResources reports it."""

    def __init__(self, logical_id, resource_type):
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.physical_id = ""
        self.status = None
        self.reason = None
        self.timestamp = utcnow()
        self.model = None
        self.template = None  # the resource's template entry, for its DeletionPolicy
        # What it was made from, resolved, so that an update can tell what changed;
        # for a nested stack also its template body.
        self.props = None
        self.body = None


def records(stack):
    if not hasattr(stack, "hp_records"):
        stack.hp_records = OrderedDict()
    return stack.hp_records


# ---- events -----------------------------------------------------------------

def emit(stack, logical_id, physical_id, resource_type, status, reason=None):
    event = Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                  physical_resource_id=physical_id, resource_type=resource_type,
                  resource_status=status, resource_status_reason=reason, resource_properties=None)
    event.client_request_token = getattr(stack, "hp_token", None)
    stack.events.append(event)


def set_stack(stack, status, reason=None):
    stack.status = status
    stack.stack_status_reason = reason
    if status.startswith(("UPDATE", "ROLLBACK", "DELETE")):
        stack.last_updated_time = utcnow()
    emit(stack, stack.name, stack.stack_id, STACK_TYPE, status, reason)


def set_resource(stack, rec, status, reason=None):
    rec.status, rec.reason, rec.timestamp = status, reason, utcnow()
    emit(stack, rec.logical_id, rec.physical_id, rec.resource_type, status, reason)


def describe_error(err):
    """An error as CloudFormation reports a resource's failure: Code: message."""
    if isinstance(err, PropertiesInvalid):
        return str(err)
    code = getattr(err, "error_type", None) or getattr(err, "code", None)
    message = getattr(err, "message", None) or str(err)
    if isinstance(err, EmulatorError) or not isinstance(code, str) or code.isdigit():
        code = type(err).__name__ if not isinstance(err, EmulatorError) else "EmulatorError"
    return f"{code}: {message}"


# ---- dependencies -------------------------------------------------------------

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def references(node, local=frozenset()):
    """Names a template fragment refers to through Ref, GetAtt, Sub and DependsOn."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text, names = (value, {}) if isinstance(value, str) else (value[0], value[1])
                for var in _SUB_VAR.findall(text):
                    name = var.split(".")[0]
                    if name not in names and name not in local:
                        found.add(name)
                found |= references(names, local)
            else:
                found |= references(value, local)
    elif isinstance(node, list):
        for item in node:
            found |= references(item, local)
    return found


def active(stack):
    """The template's resources whose condition holds, in template order."""
    return active_in(stack.template_dict, stack.resource_map)


def active_in(template_dict, resource_map):
    conditions = resource_map.lazy_condition_map
    out = OrderedDict()
    for logical_id, entry in (template_dict.get("Resources") or {}).items():
        cond = entry.get("Condition")
        if cond is None or conditions[cond]:
            out[logical_id] = entry
    return out


def dependencies(entries):
    """For each resource, the others of entries it waits for: the ones it
    names through Ref, GetAtt, Sub and DependsOn."""
    deps = {}
    for logical_id, entry in entries.items():
        depends_on = entry.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        names = references(entry.get("Properties") or {}) | set(depends_on)
        deps[logical_id] = {n for n in names if n in entries and n != logical_id}
    return deps


def creation_order(stack):
    """A dependency order of the active resources, template order breaking ties."""
    resources = active(stack)
    deps = dependencies(resources)
    order, done = [], set()
    while len(order) < len(resources):
        ready = [n for n in resources if n not in done and deps[n] <= done]
        if not ready:
            cycle = sorted(set(resources) - done)
            raise EmulatorError(f"Circular dependency between resources: [{', '.join(cycle)}]")
        order.append(ready[0])
        done.add(ready[0])
    return order


def in_parallel(ids, deps, work, halted=lambda: False, keep_going=False):
    """Run work(id) for each id, each in a thread of its own as soon as every
    id in deps[id] has ended well, as CloudFormation starts every resource
    whose dependencies are complete. Once one fails, or halted() says so,
    nothing new starts and the ones in flight are left to end (they see
    halted() too); with keep_going a failure holds up nothing (a delete goes
    on past a resource it could not delete). Returns the ids that failed,
    in the order they did."""
    done, failed, started, running = set(), [], set(), set()
    cond = threading.Condition()

    def run(i):
        try:
            ok = work(i)
        except Exception:  # a bug: the resource fails rather than hanging its stack
            traceback.print_exc()
            ok = False
        with cond:
            running.discard(i)
            if ok or keep_going:
                done.add(i)
            if not ok:
                failed.append(i)
            cond.notify_all()

    with cond:
        while True:
            if (keep_going or not failed) and not halted():
                for i in ids:
                    if i not in started and deps[i] <= done:
                        started.add(i)
                        running.add(i)
                        threading.Thread(target=run, args=(i,), daemon=True).start()
            if not running:
                return failed
            cond.wait(0.05)


# ---- operations -------------------------------------------------------------

def initiated(stack):
    """A user starts a top-level stack's operations; a parent starts a nested one's."""
    return "User Initiated" if getattr(stack, "hp_parent", None) is None else None


def start(target, stack, **kwargs):
    """Run an operation on stack in the background, as CloudFormation does."""
    generation = STATE.generation

    def run():
        try:
            target(stack, generation, **kwargs)
        except Exception as err:  # a bug here must not leave a stack in progress forever
            traceback.print_exc()
            with LOCK:
                reason = f"InternalFailure: the emulator failed: {err!r}"
                stack.hp_failure_reason = reason
                set_stack(stack, stack.status.replace("IN_PROGRESS", "FAILED") if "IN_PROGRESS" in stack.status else "CREATE_FAILED", reason)

    threading.Thread(target=run, daemon=True).start()


def create_stack(stack, generation):
    """Create every resource, in parallel as dependencies allow; on failure
    cancel the ones in flight and roll back (or stop, with rollback disabled)."""
    with LOCK:
        stack.hp_halt = False
        set_stack(stack, "CREATE_IN_PROGRESS", initiated(stack))
        resources = active(stack)
        deps = dependencies(resources)
        try:
            creation_order(stack)  # refuses a cycle, as CloudFormation does before it starts
            problem = None
        except EmulatorError as err:
            problem = stack.hp_failure_reason = str(err)
    if problem is not None:
        with LOCK:
            set_stack(stack, "ROLLBACK_COMPLETE", problem)
        return False

    failed = in_parallel(list(resources), deps, lambda i: create_resource(stack, i, generation), lambda: halted(stack))
    if not alive(generation):
        return False
    if getattr(stack, "hp_cancel", False):
        return cancel_and_delete(stack, generation)
    if not failed and halted(stack):
        failed = ["(cancelled)"]  # the parent stopped this one
    if not failed and not pause(stack_seconds(stack.name), generation):
        return False
    with LOCK:
        if not failed:
            problem = finish(stack)
            if problem is None:
                set_stack(stack, "CREATE_COMPLETE")
                return True
            reason = problem
        else:
            failed_ids = [r.logical_id for r in records(stack).values() if r.status == "CREATE_FAILED"]
            reason = f"The following resource(s) failed to create: [{', '.join(failed_ids)}]. "
        stack.hp_failure_reason = reason
        if getattr(stack, "hp_disable_rollback", False):
            set_stack(stack, "CREATE_FAILED", reason)
            return False
        set_stack(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.")
    undeletable = delete_resources(stack, generation, rollback=True)
    with LOCK:
        set_stack(stack, "ROLLBACK_FAILED" if undeletable else "ROLLBACK_COMPLETE")
    return False


def halted(stack):
    """Whether the stack's creation is to stop: a resource of it failed, a
    DeleteStack arrived, or its parent stack is stopping."""
    while stack is not None:
        if getattr(stack, "hp_halt", False) or getattr(stack, "hp_cancel", False):
            return True
        stack = getattr(stack, "hp_parent", None)
    return False


def cancel_and_delete(stack, generation):
    """DeleteStack arrived while the stack was being created: stop and delete it."""
    with LOCK:
        stack.hp_cancel = False
    delete_stack(stack, generation)
    return False


def create_resource(stack, logical_id, generation):
    with LOCK:
        entry = stack.template_dict["Resources"][logical_id]
        rec = Record(logical_id, entry["Type"])
        rec.template = entry
        records(stack)[logical_id] = rec
        set_resource(stack, rec, "CREATE_IN_PROGRESS")
    if rec.resource_type == STACK_TYPE:
        return create_nested(stack, rec, entry, generation)
    if not pause(resource_seconds(rec.resource_type, "create"), generation, lambda: halted(stack)):
        return cancelled(stack, rec, generation)
    with LOCK:
        injected = failure(stack.name, logical_id, "create")
        if injected:
            return fail_resource(stack, rec, injected)
        try:
            rec.props = resolve(stack.resource_map, entry)
            model = make_resource(stack, logical_id, entry)
        except Exception as err:  # moto's and ours: the resource fails, as in AWS
            return fail_resource(stack, rec, describe_error(err))
        rec.model = model
        rec.physical_id = str(getattr(model, "physical_resource_id", "") or "")
    problem = wait(model, "create", generation)
    with LOCK:
        if problem:
            return fail_resource(stack, rec, problem)
        stack.resource_map._parsed_resources[logical_id] = model
        set_resource(stack, rec, "CREATE_COMPLETE")
    return True


def fail_resource(stack, rec, reason):
    """A resource failed to create: the stack stops starting others, and
    the ones in flight are cancelled."""
    stack.hp_halt = True
    set_resource(stack, rec, "CREATE_FAILED", reason)
    return False


def cancelled(stack, rec, generation):
    """A resource in flight when its stack stopped: CloudFormation cancels it."""
    if alive(generation):
        with LOCK:
            set_resource(stack, rec, "CREATE_FAILED", "Resource creation cancelled")
    return False


def resolve(resource_map, entry):
    """A resource's properties with every intrinsic function resolved."""
    return parsing.clean_json(copy.deepcopy(entry.get("Properties") or {}), resource_map)


def make_resource(stack, logical_id, entry):
    rmap = stack.resource_map
    if natives.is_custom(entry["Type"]):
        return natives.create(stack, logical_id, copy.deepcopy(entry))
    model = parsing.parse_and_create_resource(logical_id, copy.deepcopy(entry), rmap,
                                              account_id=stack.account_id, region_name=stack.region_name)
    if model is None:
        raise EmulatorError(f"the emulator cannot create {entry['Type']}")
    if isinstance(model, TaggedEC2Resource):
        # CloudFormation tags what it creates with the stack's tags and its own.
        tags = dict(rmap.tags)
        tags.update({"aws:cloudformation:stack-name": stack.name, "aws:cloudformation:stack-id": stack.stack_id,
                     "aws:cloudformation:logical-id": logical_id})
        ec2_backends[stack.account_id][stack.region_name].create_tags([model.physical_resource_id], tags)
    return model


def wait(model, phase, generation):
    """Wait for a resource whose handler stabilises (a HyperPod cluster): "" when done, else why not."""
    poll = getattr(model, f"hp_poll_{phase}", None)
    if poll is None:
        return ""
    while True:
        with LOCK:
            result = poll()
        if result is not None:
            return result
        if not pause(0.02, generation):
            return "emulator reset"


def nested_parameters(props):
    """Parameters a parent passes, as the strings CloudFormation passes."""
    out = {}
    for key, value in (props.get("Parameters") or {}).items():
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = str(value).lower()
        out[key] = "" if value is None else str(value)
    return out


def nested_template(stack, props):
    try:
        return get_stack_from_s3_url(props["TemplateURL"], account_id=stack.account_id, partition="aws")
    except Exception:
        raise EmulatorError(f"S3 error: the template at {props.get('TemplateURL')} cannot be read")


def create_nested(stack, rec, entry, generation):
    with LOCK:
        backend = cloudformation_backends[stack.account_id][stack.region_name]
        try:
            props = resolve(stack.resource_map, entry)
            body = nested_template(stack, props)
            name = f"{stack.name}-{rec.logical_id}-{random_suffix()}"
            child = backend.hp_new_stack(name, body, nested_parameters(props), parent=stack)
        except Exception as err:
            set_resource(stack, rec, "CREATE_FAILED", describe_error(err))
            return False
        rec.model, rec.physical_id, rec.props, rec.body = child, child.stack_id, props, body
        set_resource(stack, rec, "CREATE_IN_PROGRESS", "Resource creation Initiated")
    ok = create_stack(child, generation)
    with LOCK:
        if ok:
            stack.resource_map._parsed_resources[rec.logical_id] = child
            set_resource(stack, rec, "CREATE_COMPLETE")
        elif child.status != "DELETE_COMPLETE" and halted(stack) and not getattr(child, "hp_halt", False):
            set_resource(stack, rec, "CREATE_FAILED", "Resource creation cancelled")
        elif child.status != "DELETE_COMPLETE":
            stack.hp_halt = True
            set_resource(stack, rec, "CREATE_FAILED",
                         f"Embedded stack {child.stack_id} was not successfully created: {child.hp_failure_reason}")
    return ok


def finish(stack):
    """Compute outputs and register exports; the reason the stack fails, or None."""
    backend = cloudformation_backends[stack.account_id][stack.region_name]
    output_map = OutputMap(stack.resource_map, stack.template_dict, stack.stack_id)
    outputs = []
    for key in output_map:
        out = output_map[key]
        if out is None:
            continue
        value = ",".join(map(str, out.value)) if isinstance(out.value, list) else out.value
        outputs.append({"OutputKey": out.key, "OutputValue": value, "Description": out.description})
    exports = output_map.exports
    for export in exports:
        owner = backend.exports.get(export.name)
        if owner is not None and owner.exporting_stack_id != stack.stack_id:
            return f"Export with name {export.name} is already exported by stack {owner.exporting_stack_id}. "
    names = {e.name: e.value for e in exports}
    for out in outputs:
        out["ExportName"] = next((n for n, v in names.items() if v == out["OutputValue"]), None)
    for export in exports:
        backend.exports[export.name] = export
    stack.hp_outputs, stack.hp_exports = outputs, [e.name for e in exports]
    return None


def deletion_policy(rec):
    """The resource's DeletionPolicy, or CloudFormation's default: Delete,
    but Snapshot "for AWS::RDS::DBCluster resources and for
    AWS::RDS::DBInstance resources that don't specify the
    DBClusterIdentifier property" (DeletionPolicy attribute, User Guide)."""
    template = rec.template or {}
    default = "Delete"
    if rec.resource_type == "AWS::RDS::DBCluster" or (
            rec.resource_type == "AWS::RDS::DBInstance" and not (template.get("Properties") or {}).get("DBClusterIdentifier")):
        default = "Snapshot"
    return template.get("DeletionPolicy", default)


def delete_resources(stack, generation, rollback=False, retain=frozenset(), only=None):
    """Delete what the stack created (or the logical IDs in only), in
    parallel: each once every resource that depends on it is gone, as
    CloudFormation deletes in reverse dependency order. The IDs that failed
    to delete."""
    recs = records(stack)
    with LOCK:
        ids = [k for k, r in recs.items() if r.status not in (None, "DELETE_COMPLETE", "DELETE_SKIPPED")
               and (only is None or k in only)]
        deps = dependencies({k: recs[k].template or {} for k in ids})
    dependents = {i: {j for j in ids if i in deps[j]} for i in ids}
    failed = in_parallel(ids, dependents, lambda i: delete_resource(stack, recs[i], generation, retain),
                         halted=lambda: not alive(generation), keep_going=True)
    return [i for i in failed if alive(generation)]


def delete_resource(stack, rec, generation, retain):
    """Delete one resource; False when it could not be deleted."""
    with LOCK:
        if rec.logical_id in retain or deletion_policy(rec) == "Retain":
            set_resource(stack, rec, "DELETE_SKIPPED")
            return True
        if rec.status == "CREATE_FAILED" and rec.model is None:
            set_resource(stack, rec, "DELETE_COMPLETE")  # nothing was made
            return True
        set_resource(stack, rec, "DELETE_IN_PROGRESS")
    if isinstance(rec.model, Stack):
        child = rec.model
        ok = child.status == "DELETE_COMPLETE" or delete_stack(child, generation)
        with LOCK:
            if ok:
                set_resource(stack, rec, "DELETE_COMPLETE")
            else:
                set_resource(stack, rec, "DELETE_FAILED",
                             f"Embedded stack {child.stack_id} was not successfully deleted: {child.hp_failure_reason}")
        return ok
    if not pause(resource_seconds(rec.resource_type, "delete"), generation):
        return False
    with LOCK:
        problem = failure(stack.name, rec.logical_id, "delete")
        if not problem and rec.model is not None:
            try:
                delete_model(stack, rec)
            except Exception as err:
                problem = describe_error(err)
    if not problem and rec.model is not None:
        problem = wait(rec.model, "delete", generation)
    with LOCK:
        if problem:
            set_resource(stack, rec, "DELETE_FAILED", problem)
            return False
        stack.resource_map._parsed_resources.pop(rec.logical_id, None)
        set_resource(stack, rec, "DELETE_COMPLETE")
    return True


def delete_model(stack, rec):
    if rec.resource_type == "AWS::S3::Bucket":
        # moto deletes a non-empty bucket silently as a no-op; S3 refuses.
        from moto.s3.models import s3_backends
        bucket = s3_backends[stack.account_id]["aws"].buckets.get(rec.physical_id)
        if bucket is not None and len(bucket.keys) > 0:
            raise EmulatorError("Resource handler returned message: \"The bucket you tried to delete is not empty "
                                "(Service: S3, Status Code: 409)\" (HandlerErrorCode: GeneralServiceException)")
    deleter = deleters.DELETERS.get(rec.resource_type)
    if deletion_policy(rec) == "Snapshot" and hasattr(rec.model, "delete_with_snapshot"):
        rec.model.delete_with_snapshot(stack.name)
    elif deleter is not None:
        deleter(stack, rec.model)
    else:
        stack.resource_map._delete_resource(rec.model, rec.template)


def delete_stack(stack, generation, retain=frozenset()):
    with LOCK:
        if stack.status != "DELETE_IN_PROGRESS":  # DeleteStack set it already
            set_stack(stack, "DELETE_IN_PROGRESS", initiated(stack))
    failed = delete_resources(stack, generation, retain=retain)
    with LOCK:
        if failed:
            reason = f"The following resource(s) failed to delete: [{', '.join(failed)}]. "
            stack.hp_failure_reason = reason
            set_stack(stack, "DELETE_FAILED", reason)
            return False
        backend = cloudformation_backends[stack.account_id][stack.region_name]
        for name in getattr(stack, "hp_exports", []):
            export = backend.exports.get(name)
            if export is not None and export.exporting_stack_id == stack.stack_id:
                del backend.exports[name]
        stack.deletion_time = utcnow()
        set_stack(stack, "DELETE_COMPLETE")
        backend.stacks.pop(stack.stack_id, None)
        backend.deleted_stacks[stack.stack_id] = stack
    return True
