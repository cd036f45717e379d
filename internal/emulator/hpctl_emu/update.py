"""Stack updates, and the change sets that preview them.

moto updates a stack inside the request, replaces every nested stack whose
parameters changed, and lists no changes for a parameter-only update. AWS
previews an update as a change set whose resource changes say Add, Modify or
Remove (with a nested change set per modified nested stack when asked), and
executes it in the background: changed resources are updated in place and in
dependency order, new ones created, removed ones deleted in a cleanup phase,
and a failure rolls the update back. This module does the same over the
engine's records.

What "changed" means: a resource's properties, resolved against the new
parameters and the resources that exist now, differ from those it was made
with; for a nested stack, its parameters or its template body differ.
"""

import copy
import re

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import ChangeSet, Stack, cloudformation_backends
from moto.cloudformation.utils import generate_changeset_id

from . import engine, natives
from .engine import STACK_TYPE, records, set_resource, set_stack
from .state import LOCK, failure, pause, resource_seconds

# The states of a resource that exists.
LIVE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_FAILED"}

NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."


class Change:
    """One resource change, serialised by moto as a ResourceChange."""

    def __init__(self, action, logical_id, resource_type, physical_id=None, replacement=None, keys=(),
                 dynamic=False, nested=None):
        self.action = action
        self.logical_resource_id = logical_id
        self.resource_type = resource_type
        self.physical_resource_id = physical_id or None
        self.replacement = replacement
        self.scope = ["Properties"] if action == "Modify" else []
        evaluation = "Dynamic" if dynamic else "Static"
        self.details = [{"Target": {"Attribute": "Properties", "Name": k, "RequiresRecreation": "Never"},
                         "Evaluation": evaluation, "ChangeSource": "DirectModification"} for k in keys]
        self.nested = nested  # the nested stack's own changes
        self.change_set_id = None


# ---- what would change ------------------------------------------------------------

def new_map(stack, template_dict, params):
    """A resource map of the new template and parameters over the resources that exist."""
    backend = cloudformation_backends[stack.account_id][stack.region_name]
    rmap = parsing.ResourceMap(stack.stack_id, stack.name, params, stack.tags, region_name=stack.region_name,
                               account_id=stack.account_id, template=template_dict,
                               cross_stack_resources=backend.exports)
    rmap.load()
    rmap.hp_managed = True
    wanted = template_dict.get("Resources") or {}
    for logical_id, rec in records(stack).items():
        model = stack.resource_map._parsed_resources.get(logical_id)
        if rec.status in LIVE and model is not None and wanted.get(logical_id, {}).get("Type") == rec.resource_type:
            rmap._parsed_resources[logical_id] = model
    return rmap


def changed_keys(old, new):
    old, new = old or {}, new or {}
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def nested_change(stack, rec, props):
    """The new body and parameters of a nested stack, and whether they differ."""
    body = engine.nested_template(stack, props)
    params = engine.nested_parameters(props)
    return body, params, body != rec.body or params != engine.nested_parameters(rec.props or {})


def diff(stack, template_dict, params):
    """The changes an update of stack to template_dict and params makes."""
    rmap = new_map(stack, template_dict, params)
    wanted = engine.active_in(template_dict, rmap)
    recs = records(stack)
    changes = []
    for logical_id, entry in wanted.items():
        rec = recs.get(logical_id)
        if rec is None or rec.status not in LIVE:
            changes.append(Change("Add", logical_id, entry["Type"]))
            continue
        if rec.resource_type != entry["Type"]:
            changes.append(Change("Modify", logical_id, entry["Type"], rec.physical_id, "True", ["Type"]))
            continue
        try:
            props = engine.resolve(rmap, entry)
        except Exception:  # it reads something the update creates or changes: known only then
            changes.append(Change("Modify", logical_id, rec.resource_type, rec.physical_id, "Conditional",
                                  sorted(entry.get("Properties") or {}), dynamic=True))
            continue
        if rec.resource_type == STACK_TYPE:
            body, child_params, changed = nested_change(stack, rec, props)
            if changed:
                nested = diff(rec.model, Stack.parse_template(body), child_params)
                keys = changed_keys(engine.nested_parameters(rec.props or {}), child_params)
                if body != rec.body:
                    keys.append("TemplateURL")
                changes.append(Change("Modify", logical_id, STACK_TYPE, rec.physical_id, "False",
                                      ["Parameters." + k if k != "TemplateURL" else k for k in keys], nested=nested))
        elif props != rec.props:
            changes.append(Change("Modify", logical_id, rec.resource_type, rec.physical_id, "False",
                                  changed_keys(rec.props, props)))
    for logical_id, rec in recs.items():
        if rec.status in LIVE and logical_id not in wanted:
            changes.append(Change("Remove", logical_id, rec.resource_type, rec.physical_id))
    return changes + dynamic_changes(wanted, recs, changes)


def attribute_refs(value):
    """The (logical ID, attribute) pairs a template value reads with
    Fn::GetAtt, in either form, or with ${X.Attr} in Fn::Sub."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Fn::GetAtt":
                parts = v.split(".", 1) if isinstance(v, str) else list(v)
                if len(parts) == 2 and isinstance(parts[0], str):
                    out.append((parts[0], str(parts[1])))
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else (v[0] if v else "")
                out += [tuple(m.split(".", 1)) for m in re.findall(r"\$\{([A-Za-z0-9]+\.[A-Za-z0-9.]+)\}", text)]
                if isinstance(v, list):
                    out += attribute_refs(v[1:])
            else:
                out += attribute_refs(v)
    elif isinstance(value, list):
        for v in value:
            out += attribute_refs(v)
    return out


def dynamic_changes(wanted, recs, changes):
    """What CloudFormation previews as a dynamic modification: a resource
    whose properties read an attribute (an output, for a nested stack) of a
    resource the update modifies, so that its own change is known only as
    the update runs. Its detail says so: Evaluation Dynamic, ChangeSource
    ResourceAttribute, CausingEntity X.Attr (API reference,
    ResourceChangeDetail). The hosted cluster stack is one: its TemplateURL
    is an output of the stack whose Lambda re-renders the cluster template."""
    touched = {c.logical_resource_id for c in changes if c.action == "Modify"}
    seen = {c.logical_resource_id for c in changes}
    out = []
    grew = True
    while grew:
        grew = False
        for logical_id, entry in wanted.items():
            rec = recs.get(logical_id)
            if logical_id in seen or rec is None or rec.status not in LIVE:
                continue
            causes = [(x, a) for x, a in attribute_refs(entry.get("Properties") or {}) if x in touched]
            if not causes:
                continue
            # A nested stack is updated in place whatever its TemplateURL
            # and Parameters become (AWS::CloudFormation::Stack: "Update
            # requires: No interruption"); another resource may be replaced.
            stack = rec.resource_type == STACK_TYPE
            change = Change("Modify", logical_id, rec.resource_type, rec.physical_id, "False" if stack else "Conditional")
            props = entry.get("Properties") or {}
            change.details = [{"Target": {"Attribute": "Properties", "Name": k, "RequiresRecreation": "Never" if stack else "Conditionally"},
                               "Evaluation": "Dynamic", "ChangeSource": "ResourceAttribute", "CausingEntity": f"{x}.{a}"}
                              for k in sorted(props) for x, a in attribute_refs(props[k]) if x in touched]
            out.append(change)
            seen.add(logical_id)
            touched.add(logical_id)
            grew = True
    return out


def has_leaf_changes(changes):
    return any(c.action != "Modify" or c.resource_type != STACK_TYPE or c.nested is None or has_leaf_changes(c.nested)
               for c in changes)


# ---- change sets ---------------------------------------------------------------------

def preview(backend, stack, change_set, template_dict, include_nested):
    """Fill an UPDATE change set with the changes, and nested change sets when asked."""
    if stack.status.endswith("_IN_PROGRESS") or stack.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED",
                                                                  "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"):
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
    changes = diff(stack, template_dict, change_set.parameters)
    change_set.changes = changes
    change_set.include_nested_stacks = bool(include_nested)
    change_set.root_change_set_id = None
    change_set.parent_change_set_id = None
    if not changes or not has_leaf_changes(changes):
        change_set.status, change_set.execution_status, change_set.status_reason = "FAILED", "UNAVAILABLE", NO_CHANGES
        return
    change_set.status, change_set.execution_status, change_set.status_reason = "CREATE_COMPLETE", "AVAILABLE", None
    if include_nested:
        attach_nested(backend, stack, change_set, change_set)


def attach_nested(backend, stack, parent_set, root_set):
    for change in parent_set.changes:
        if change.nested is None:
            continue
        child = records(stack)[change.logical_resource_id].model
        name = f"{root_set.change_set_name}-{change.logical_resource_id}"[:128]
        child_set = ChangeSet(change_set_type="UPDATE", change_set_id=generate_changeset_id(name, backend.region_name, backend.account_id),
                              change_set_name=name, stack=child, template=child.template, parameters=child.parameters,
                              description=None)
        child_set.changes = change.nested
        child_set.status, child_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
        child_set.include_nested_stacks = True
        child_set.parent_change_set_id = parent_set.change_set_id
        child_set.root_change_set_id = root_set.change_set_id
        backend.change_sets[child_set.change_set_id] = child_set
        change.change_set_id = child_set.change_set_id
        attach_nested(backend, child, child_set, root_set)


def nested_sets(backend, root_id):
    return [cs for cs in backend.change_sets.values() if getattr(cs, "root_change_set_id", None) == root_id]


# ---- execution -----------------------------------------------------------------------------

class Saved:
    """What a stack was before an update, for the rollback."""

    def __init__(self, stack):
        self.template, self.template_dict = stack.template, stack.template_dict
        self.parameters, self.resource_map = stack.parameters, stack.resource_map
        self.live = {k for k, r in records(stack).items() if r.status in LIVE}


def update_stack(stack, generation, template, params):
    """Update every changed resource, create the new ones, delete the removed
    ones; on failure roll back. True when the update completed."""
    with LOCK:
        stack.hp_halt = False  # a failure of an earlier operation stops nothing now
        if stack.status != "UPDATE_IN_PROGRESS":  # ExecuteChangeSet set it already
            set_stack(stack, "UPDATE_IN_PROGRESS", engine.initiated(stack))
        saved = Saved(stack)
        stack.hp_modified = []
        try:
            template_dict = Stack.parse_template(template) if isinstance(template, str) else template
            check(stack, template_dict, params)
            rmap = new_map(stack, template_dict, params)
        except Exception as err:
            stack.hp_failure_reason = engine.describe_error(err)
            set_stack(stack, "UPDATE_ROLLBACK_COMPLETE", stack.hp_failure_reason)
            return False
        stack.template, stack.template_dict, stack.parameters, stack.resource_map = template, template_dict, params, rmap
        wanted = engine.active(stack)
        order = engine.creation_order(stack)

    failed = None
    for logical_id in order:
        rec = records(stack).get(logical_id)
        if rec is None or rec.status not in LIVE:
            ok = engine.create_resource(stack, logical_id, generation)
        else:
            ok = update_resource(stack, rec, generation)
        if not ok:
            failed = logical_id
            break
    with LOCK:
        problem = engine.finish(stack) if failed is None else None
        if failed is None and problem is None:
            set_stack(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    if failed is None and problem is None:
        removed = {k for k, r in records(stack).items() if r.status in LIVE and k not in wanted}
        engine.delete_resources(stack, generation, only=removed)
        with LOCK:
            set_stack(stack, "UPDATE_COMPLETE")
        return True

    with LOCK:
        if problem is None:
            bad = [r.logical_id for r in records(stack).values() if r.status in ("UPDATE_FAILED", "CREATE_FAILED")]
            verb = "update" if records(stack)[failed].status == "UPDATE_FAILED" else "create"
            problem = f"The following resource(s) failed to {verb}: [{', '.join(bad)}]. "
        stack.hp_failure_reason = problem
        set_stack(stack, "UPDATE_ROLLBACK_IN_PROGRESS", problem)
    rollback(stack, saved, generation)
    return False


def update_resource(stack, rec, generation):
    with LOCK:
        entry = stack.template_dict["Resources"][rec.logical_id]
        try:
            props = engine.resolve(stack.resource_map, entry)
            if rec.resource_type == STACK_TYPE:
                body, child_params, changed = nested_change(stack, rec, props)
            else:
                changed = props != rec.props
        except Exception as err:
            set_resource(stack, rec, "UPDATE_FAILED", engine.describe_error(err))
            return False
        rec.template = entry  # a new DeletionPolicy applies from now on
        if not changed:
            return True
        stack.hp_modified.append((rec.logical_id, rec.props, rec.body))
        set_resource(stack, rec, "UPDATE_IN_PROGRESS")
    if rec.resource_type == STACK_TYPE:
        child = rec.model
        ok = update_stack(child, generation, body, child_params)
        with LOCK:
            if ok:
                rec.props, rec.body = props, body
                set_resource(stack, rec, "UPDATE_COMPLETE")
            else:
                set_resource(stack, rec, "UPDATE_FAILED",
                             f"Embedded stack {child.stack_id} was not successfully updated. Currently in "
                             f"{child.status} with reason: {child.hp_failure_reason}")
        return ok
    if not pause(resource_seconds(rec.resource_type, "create"), generation):
        return False
    with LOCK:
        problem = failure(stack.name, rec.logical_id, "update")
        if not problem:
            try:
                apply(stack, rec, entry)
            except Exception as err:
                problem = engine.describe_error(err)
    if not problem:
        problem = engine.wait(rec.model, "update", generation)  # a cluster scaling, until InService
    with LOCK:
        if problem:
            set_resource(stack, rec, "UPDATE_FAILED", problem)
            return False
        rec.props = props
        set_resource(stack, rec, "UPDATE_COMPLETE")
    return True


def apply(stack, rec, entry):
    """Update the resource's model in place where moto or a handler can."""
    if natives.is_custom(rec.resource_type):
        model = natives.update(stack, rec.logical_id, copy.deepcopy(entry), rec.model)
    else:
        model = parsing.parse_and_update_resource(rec.logical_id, copy.deepcopy(entry), stack.resource_map,
                                                  account_id=stack.account_id, region_name=stack.region_name)
    if model is not None:
        rec.model = model
        rec.physical_id = str(getattr(model, "physical_resource_id", "") or rec.physical_id)
        stack.resource_map._parsed_resources[rec.logical_id] = model


def rollback(stack, saved, generation, skip=(), continuing=False):
    """Delete what the update created, put back what it changed, and restore
    the template: UPDATE_ROLLBACK_COMPLETE. A resource that cannot be put
    back (an injected "rollback" failure, or a nested stack whose own
    rollback failed) leaves the stack UPDATE_ROLLBACK_FAILED, where only
    ContinueUpdateRollback moves it on: that retries the resources that
    failed, or skips those in ResourcesToSkip ("Child.Resource" for a
    nested stack's), as the CloudFormation API reference describes."""
    stack.hp_saved = saved
    added = {k for k, r in records(stack).items() if k not in saved.live and r.status not in (None, "DELETE_COMPLETE")}
    with LOCK:
        stack.template, stack.template_dict = saved.template, saved.template_dict
        stack.parameters, new_map_ = saved.parameters, stack.resource_map
        stack.resource_map = saved.resource_map
        for logical_id, model in new_map_._parsed_resources.items():
            if logical_id in saved.live:
                stack.resource_map._parsed_resources[logical_id] = model
    failed = []
    for logical_id, props, body in reversed(stack.hp_modified):
        rec = records(stack)[logical_id]
        child = rec.model if rec.resource_type == STACK_TYPE else None
        if logical_id in skip:
            with LOCK:
                set_resource(stack, rec, "UPDATE_COMPLETE", "Resource skipped during UPDATE_ROLLBACK")
            continue
        if child is not None and child.status == "UPDATE_ROLLBACK_FAILED" and continuing:
            below = [k.split(".", 1)[1] for k in skip if k.startswith(logical_id + ".")]
            with LOCK:
                set_stack(child, "UPDATE_ROLLBACK_IN_PROGRESS")
            rollback(child, child.hp_saved, generation, skip=below, continuing=True)
        if child is not None and child.status in ("UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED"):
            with LOCK:
                if child.status == "UPDATE_ROLLBACK_COMPLETE":
                    set_resource(stack, rec, "UPDATE_COMPLETE")  # the child rolled itself back
                else:
                    failed.append((logical_id, props, body))
                    set_resource(stack, rec, "UPDATE_FAILED", f"Embedded stack {child.stack_id} was not successfully "
                                 f"updated. Currently in UPDATE_ROLLBACK_FAILED with reason: {child.hp_failure_reason}")
            continue
        with LOCK:
            set_resource(stack, rec, "UPDATE_IN_PROGRESS")
        if child is not None:
            ok, problem = update_stack(child, generation, body, engine.nested_parameters(props or {})), None
        else:
            ok = pause(resource_seconds(rec.resource_type, "create"), generation)
            with LOCK:
                problem = failure(stack.name, logical_id, "rollback")
                if ok and not problem:
                    try:
                        apply(stack, rec, stack.template_dict["Resources"][logical_id])
                    except Exception as err:
                        problem = engine.describe_error(err)
        with LOCK:
            if problem or not ok:
                failed.append((logical_id, props, body))
                set_resource(stack, rec, "UPDATE_FAILED", problem)
                continue
            rec.props, rec.body = props, body
            set_resource(stack, rec, "UPDATE_COMPLETE")
    if failed:
        with LOCK:
            stack.hp_modified = list(reversed(failed))  # what ContinueUpdateRollback retries
            reason = f"The following resource(s) failed to update: [{', '.join(f[0] for f in reversed(failed))}]. "
            stack.hp_failure_reason = reason
            set_stack(stack, "UPDATE_ROLLBACK_FAILED", reason)
        return
    with LOCK:
        set_stack(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    engine.delete_resources(stack, generation, rollback=True, only=added)
    with LOCK:
        engine.finish(stack)
        set_stack(stack, "UPDATE_ROLLBACK_COMPLETE")


def continue_rollback(stack, generation, skip=()):
    """ContinueUpdateRollback: the rollback goes on from where it failed."""
    rollback(stack, stack.hp_saved, generation, skip=skip, continuing=True)


def check(stack, template_dict, params):
    """The checks CloudFormation makes before it accepts an update."""
    from .cfn import check_capabilities, check_parameters
    check_parameters(template_dict, params)
    check_capabilities(template_dict, stack.hp_root.hp_capabilities if stack.hp_parent else stack.hp_capabilities)

