"""Patches to moto's CloudFormation: requests go to the engine, and the
answers carry what AWS's do.

- CreateStack and ExecuteChangeSet return at once; the engine builds the
  stack in the background. Parameters the template does not declare, missing
  ones, values outside AllowedValues and missing capabilities are refused up
  front, as CloudFormation does; a retried CreateStack with the same
  ClientRequestToken returns the same stack.
- Change sets: CREATE ones list only what the conditions create; UPDATE
  ones list Add, Modify and Remove as AWS does (with nested change sets when
  IncludeNestedStacks is set; see update.py), fail with "didn't contain
  changes" when nothing changes, and execute in the background. ClientToken
  and ClientRequestToken make retried requests safe.
- UpdateTerminationProtection, which moto lacks, sets the flag that
  DeleteStack then honours.
- DeleteStack runs in the background too, takes RetainResources (only in
  DELETE_FAILED), and cancels a creation in progress.
- Stack resource listings report each resource's own status, reason and time;
  a nested stack's physical ID is its ARN; stacks carry ParentId, RootId,
  StackStatusReason, ChangeSetId and Capabilities.
- Fn::GetAtt Child.Outputs.X works (in properties and outputs; the short
  form !GetAtt A.Outputs.B keeps its key), Fn::FindInMap takes the
  language extension's DefaultValue, AWS::NoValue drops out of Fn::Join,
  and nothing is created lazily when a read touches a resource that does
  not exist yet.
- An unquoted date (`Version: 2012-10-17`) stays a string, and
  GetTemplateSummary takes a template without AWSTemplateFormatVersion.
"""

import json
import pickle

import yaml
from moto.cloudformation import models, parsing, responses, utils
from moto.cloudformation.exceptions import AlreadyExistsException, CloudFormationError, ValidationError
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from . import engine, update
from .state import LOCK

IAM_NAME_PROPERTIES = ("RoleName", "PolicyName", "ManagedPolicyName", "UserName", "GroupName", "InstanceProfileName")


class InsufficientCapabilities(CloudFormationError):
    code = "InsufficientCapabilitiesException"


# ---- template checks -------------------------------------------------------------

def check_parameters(template_dict, params):
    declared = template_dict.get("Parameters") or {}
    extra = [k for k in params if k not in declared]
    if extra:
        raise ValidationError(message=f"Parameters: [{', '.join(extra)}] do not exist in the template")
    missing = [k for k, d in declared.items() if "Default" not in d and k not in params]
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")
    for key, value in params.items():
        allowed = declared[key].get("AllowedValues")
        if allowed and str(value) not in [str(a) for a in allowed]:
            raise ValidationError(message=f"Parameter '{key}' must be one of AllowedValues")


def required_capabilities(template_dict):
    need = set()
    if template_dict.get("Transform"):
        need.add("CAPABILITY_AUTO_EXPAND")
    for entry in (template_dict.get("Resources") or {}).values():
        if str(entry.get("Type", "")).startswith("AWS::IAM::"):
            named = any(k in (entry.get("Properties") or {}) for k in IAM_NAME_PROPERTIES)
            need.add("CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM")
    return need


def check_capabilities(template_dict, have):
    have = set(have or [])
    if "CAPABILITY_NAMED_IAM" in have:
        have.add("CAPABILITY_IAM")
    missing = sorted(required_capabilities(template_dict) - have)
    if missing:
        raise InsufficientCapabilities(f"Requires capabilities : [{', '.join(missing)}]")


# ---- the backend -------------------------------------------------------------------

def hp_new_stack(self, name, template, parameters, parent=None, capabilities=None, tags=None,
                 role_arn=None, notification_arns=None, termination_protection=False, token=None,
                 disable_rollback=False, stack_id=None):
    """A stack the engine will build: template and parameters checked, nothing created yet."""
    template_dict = Stack.parse_template(template) if isinstance(template, str) else template
    check_parameters(template_dict, parameters)
    root = parent.hp_root if parent is not None else None
    caps = set(capabilities if capabilities is not None else (root.hp_capabilities if root else []))
    check_capabilities(template_dict, caps)
    stack_id = stack_id or utils.generate_stack_id(name, self.region_name, self.account_id)
    stack = Stack(stack_id=stack_id, name=name, template=template, parameters=parameters,
                  account_id=self.account_id, region_name=self.region_name,
                  notification_arns=notification_arns, tags=tags if tags is not None else (dict(parent.tags) if parent else {}),
                  role_arn=role_arn, cross_stack_resources=self.exports,
                  enable_termination_protection=termination_protection)
    stack.resource_map.hp_managed = True
    stack.hp_parent, stack.hp_root = parent, (root or parent or stack)
    stack.hp_capabilities = sorted(caps)
    stack.capabilities = sorted(caps) or None
    stack.parent_id = parent.stack_id if parent is not None else None
    stack.root_id = stack.hp_root.stack_id if parent is not None else None
    stack.hp_token, stack.hp_disable_rollback = token, disable_rollback
    stack.disable_rollback = disable_rollback
    stack.stack_status_reason = None
    stack.hp_failure_reason = ""
    # A stack is CREATE_IN_PROGRESS from the moment CreateStack (or an
    # ExecuteChangeSet, or its parent) makes it: CloudFormation has no
    # pending status, and a DescribeStacks right after shows this one.
    stack.status = "CREATE_IN_PROGRESS"
    self.stacks[stack.stack_id] = stack
    return stack


def create_stack(self, name, template, parameters, capabilities=None, tags=None, role_arn=None,
                 notification_arns=None, termination_protection=False, token=None, disable_rollback=False, **_):
    for stack in self.stacks.values():
        if stack.name == name:
            if token and getattr(stack, "hp_token", None) == token:
                return stack  # a retry of the same request
            raise AlreadyExistsException(f"Stack [{name}] already exists")
    stack = self.hp_new_stack(name, template, parameters, capabilities=capabilities, tags=tags, role_arn=role_arn,
                              notification_arns=notification_arns, termination_protection=termination_protection,
                              token=token, disable_rollback=disable_rollback)
    engine.start(engine.create_stack, stack)
    return stack


def delete_stack(self, name_or_id, retain=(), token=None):
    stack = None
    for candidate in self.stacks.values():
        if name_or_id in (candidate.name, candidate.stack_id):
            stack = candidate
    if stack is None:
        return  # deleting what does not exist succeeds, as in AWS
    if getattr(stack, "enable_termination_protection", False):
        raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
    if retain and stack.status != "DELETE_FAILED":
        raise ValidationError(message=f"Invalid operation on stack [{stack.stack_id}]. RetainResources can only be "
                                      "specified when the stack is in the DELETE_FAILED state")
    if stack.status == "DELETE_IN_PROGRESS":
        return
    if stack.status == "CREATE_IN_PROGRESS":
        stack.hp_cancel = True  # the create thread stops and deletes
        return
    # A REVIEW_IN_PROGRESS stack (a CREATE change set never executed) can be
    # deleted, with its change sets, as in CloudFormation: the AWS CDK deletes
    # such a stack before it creates it again (aws-cdk, deploy-stack.ts).
    if stack.status.endswith("_IN_PROGRESS") and stack.status != "REVIEW_IN_PROGRESS":
        raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while in status {stack.status}")
    if token:
        stack.hp_token = token
    # DeleteStack answers with the stack already DELETE_IN_PROGRESS: a
    # DescribeStacks right after it never sees the status it had before
    # (CloudFormation User Guide, "Delete a stack from the CloudFormation
    # console": the status changes to DELETE_IN_PROGRESS). Requests run
    # under the LOCK, so the engine's thread cannot interleave.
    engine.set_stack(stack, "DELETE_IN_PROGRESS", engine.initiated(stack))
    engine.start(engine.delete_stack, stack, retain=frozenset(retain))


def create_change_set(self, stack_name, change_set_name, template, parameters, description, change_set_type,
                      notification_arns=None, tags=None, role_arn=None, capabilities=None, token=None,
                      include_nested=False):
    template_dict = Stack.parse_template(template)
    check_parameters(template_dict, parameters)
    check_capabilities(template_dict, capabilities)
    for existing in self.change_sets.values():
        if existing.stack_name == stack_name and existing.change_set_name == change_set_name:
            if token and getattr(existing, "hp_token", None) == token:
                return existing.change_set_id, existing.stack_id  # a retry of the same request
            raise AlreadyExistsException(f"ChangeSet [{change_set_name}] already exists")
    if change_set_type == "CREATE":
        # CloudFormation answers a CREATE change set for a stack that exists
        # (in any state but REVIEW_IN_PROGRESS, which takes more CREATE
        # change sets) with a ValidationError, as reported from AWS in
        # github.com/compose-x/ecs_composex/issues/785.
        for stack in self.stacks.values():
            if stack.name == stack_name and stack.status not in ("REVIEW_IN_PROGRESS", "DELETE_COMPLETE"):
                raise ValidationError(message=f"Stack [{stack_name}] already exists and cannot be created again with the changeSet [{change_set_name}].")
    # A second CREATE change set for a REVIEW_IN_PROGRESS stack joins that
    # stack (one stack ID, several change sets), as in CloudFormation; moto
    # would make a second stack of the same name.
    review = None
    if change_set_type == "CREATE":
        review = next((st for st in self.stacks.values()
                       if st.name == stack_name and st.status == "REVIEW_IN_PROGRESS"), None)
    change_set_id, stack_id = _orig["create_change_set"](
        self, stack_name=stack_name, change_set_name=change_set_name, template=template, parameters=parameters,
        description=description, change_set_type=change_set_type, notification_arns=notification_arns,
        tags=tags, role_arn=role_arn)
    change_set = self.change_sets[change_set_id]
    if review is not None and stack_id != review.stack_id:
        del self.stacks[stack_id]
        change_set.stack, change_set.stack_id = review, review.stack_id
        stack_id = review.stack_id
    change_set.hp_capabilities = sorted(set(capabilities or []))
    change_set.capabilities = change_set.hp_capabilities or None
    change_set.hp_token = token
    if change_set_type == "UPDATE":
        try:
            update.preview(self, change_set.stack, change_set, template_dict, include_nested)
        except Exception:
            del self.change_sets[change_set_id]
            raise
    if change_set_type == "CREATE":
        # Only what the conditions create is added; moto lists every resource.
        probe = Stack(stack_id="probe", name=stack_name, template=template, parameters=parameters,
                      account_id=self.account_id, region_name=self.region_name)
        keep = set(engine.active(probe))
        change_set.changes = [c for c in change_set.changes if c.logical_resource_id in keep]
    return change_set_id, stack_id


def execute_change_set(self, change_set_name, stack_name=None, token=None):
    change_set = self.describe_change_set(change_set_name)
    if token and getattr(change_set, "hp_exec_token", None) == token:
        return  # a retry of the same request
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                                      f"execution status of [{change_set.execution_status}]")
    if getattr(change_set, "parent_change_set_id", None):
        raise ValidationError(message="Nested change sets are executed through their root change set")
    change_set.hp_exec_token = token
    if change_set.change_set_type == "UPDATE":
        stack = change_set.stack
        if stack.status.endswith("_IN_PROGRESS"):
            raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
        if change_set.tags:
            stack.tags = dict(change_set.tags)
        stack.hp_capabilities = change_set.hp_capabilities
        stack.capabilities = change_set.hp_capabilities or None
        stack.hp_token = token
        stack.change_set_id = change_set.change_set_id
        for cs in [change_set] + update.nested_sets(self, change_set.change_set_id):
            cs.execution_status = "EXECUTE_COMPLETE"
        # As DeleteStack does (see delete_stack), ExecuteChangeSet answers
        # with the stack UPDATE_IN_PROGRESS already.
        engine.set_stack(stack, "UPDATE_IN_PROGRESS", engine.initiated(stack))
        engine.start(update.update_stack, stack, template=change_set.template, params=change_set.parameters)
        return
    # Once one CREATE change set of a stack runs, the others are obsolete,
    # as CloudFormation marks them ("cannot be executed in its current
    # execution status of [OBSOLETE]").
    if self.stacks[change_set.stack_id].status != "REVIEW_IN_PROGRESS":
        change_set.execution_status = "OBSOLETE"
        raise ValidationError(message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                                      "execution status of [OBSOLETE]")
    old = self.stacks.pop(change_set.stack_id)
    stack = self.hp_new_stack(old.name, change_set.template, change_set.parameters,
                              capabilities=change_set.hp_capabilities, tags=change_set.tags,
                              role_arn=change_set.role_arn, stack_id=old.stack_id)
    stack.events = old.events  # the REVIEW_IN_PROGRESS event stays
    stack.creation_time = old.creation_time
    stack.change_set_id = change_set.change_set_id
    stack.hp_token = token
    change_set.stack = stack
    change_set.execution_status = "EXECUTE_COMPLETE"
    engine.start(engine.create_stack, stack)


def delete_change_set(self, change_set_name, stack_name=None):
    """Deleting a root change set deletes its nested ones, as in AWS."""
    change_set = self.describe_change_set(change_set_name)
    for nested in update.nested_sets(self, change_set.change_set_id):
        del self.change_sets[nested.change_set_id]
    del self.change_sets[change_set.change_set_id]


def r_list_change_sets(self):
    """ListChangeSets lists the change sets of the stack it names (StackName
    is required: the CloudFormation API reference); moto listed every
    change set of the region."""
    wanted = self._get_param("StackName")
    sets = [cs for cs in self.cloudformation_backend.list_change_sets() if wanted in (cs.stack_name, cs.stack_id)]
    return ActionResult({"Summaries": sets})


# ---- stacks ---------------------------------------------------------------------------

def one_moment(handler):
    """The handler and the rendering of its answer, under the engine's lock
    (moto serializes an ActionResult after the handler returns)."""
    def locked(self, *args, **kwargs):
        with LOCK:
            result = handler(self, *args, **kwargs)
            if not isinstance(result, ActionResult):
                return result
            status, headers, body = self.serialized(result)
            headers["status"] = status
            return body, headers
    return locked


def stack_outputs(self):
    if self.status in engine.OUTPUT_STATES and getattr(self, "hp_outputs", None):
        return self.hp_outputs
    return None


def stack_get_cfn_attribute(self, attr):
    if attr.startswith("Outputs."):
        key = attr[len("Outputs."):]
        for out in getattr(self, "hp_outputs", None) or []:
            if out["OutputKey"] == key:
                return out["OutputValue"]
        raise ValidationError(message=f"Template error: stack {self.name} has no output {key} for Fn::GetAtt")
    raise ValidationError(message=f"Template error: resource AWS::CloudFormation::Stack does not support attribute {attr}")


def resource_map_getitem(self, key):
    """No lazy creation under the engine: a resource exists once it was created."""
    if key in self._parsed_resources or not getattr(self, "hp_managed", False):
        return _orig["getitem"](self, key)
    entry = self._resource_json_map.get(key)
    if not entry:
        raise KeyError(key)
    cond = entry.get("Condition")
    if cond and not self.lazy_condition_map[cond]:
        return None
    raise ValidationError(message=f"Template error: {key} is read before it is created")


def clean_json(resource_json, resources_map):
    # AWS::NoValue drops out of a list; moto would keep None (and join "None").
    if isinstance(resource_json, list):
        return [v for v in (clean_json(x, resources_map) for x in resource_json) if v is not None]
    if isinstance(resource_json, dict) and "Fn::Join" in resource_json:
        sep, items = resource_json["Fn::Join"]
        return sep.join(str(v) for v in clean_json(items, resources_map))
    if isinstance(resource_json, dict) and "Fn::FindInMap" in resource_json:
        args = resource_json["Fn::FindInMap"]
        if len(args) == 4 and isinstance(args[3], dict) and "DefaultValue" in args[3]:
            try:
                return _orig["clean_json"]({"Fn::FindInMap": args[:3]}, resources_map)
            except (KeyError, TypeError):
                return _orig["clean_json"](args[3]["DefaultValue"], resources_map)
    return _orig["clean_json"](resource_json, resources_map)


def yaml_tag_constructor(loader, tag, node):
    if tag == "!GetAtt" and not isinstance(node.value, list):
        return {"Fn::GetAtt": node.value.split(".", 1)}
    return _orig["yaml_tag"](loader, tag, node)


# ---- responses -------------------------------------------------------------------------

def _resource_dict(stack, rec, detail=False):
    out = {"LogicalResourceId": rec.logical_id, "PhysicalResourceId": rec.physical_id, "ResourceType": rec.resource_type,
           "ResourceStatus": rec.status, "ResourceStatusReason": rec.reason}
    if detail:
        out.update({"StackId": stack.stack_id, "StackName": stack.name, "Timestamp": rec.timestamp})
    else:
        out["LastUpdatedTimestamp"] = rec.timestamp
    return out


def r_create_stack(self):
    backend = self.cloudformation_backend
    body, url = self._get_param("TemplateBody"), self._get_param("TemplateURL")
    if url:
        body = self._get_stack_from_s3_url(url)
    on_failure = self._get_param("OnFailure")
    stack = backend.create_stack(
        name=self._get_param("StackName"), template=body,
        parameters=self._get_params_from_list(self._get_param("Parameters", [])),
        capabilities=self._get_param("Capabilities", []),
        tags={t["Key"]: t["Value"] for t in self._get_param("Tags", [])},
        role_arn=self._get_param("RoleARN"), notification_arns=self._get_param("NotificationARNs", []),
        termination_protection=self._get_bool_param("EnableTerminationProtection", False),
        token=self._get_param("ClientRequestToken"),
        disable_rollback=self._get_bool_param("DisableRollback", False) or on_failure == "DO_NOTHING")
    return ActionResult({"StackId": stack.stack_id})


def r_delete_stack(self):
    self.cloudformation_backend.delete_stack(self._get_param("StackName"), retain=self._get_param("RetainResources", []),
                                             token=self._get_param("ClientRequestToken"))
    return EmptyResult()


def r_create_change_set(self):
    backend = self.cloudformation_backend
    name, kind = self._get_param("StackName"), self._get_param("ChangeSetType", "CREATE")
    body, url = self._get_param("TemplateBody"), self._get_param("TemplateURL")
    previous = {}
    if kind == "UPDATE":
        stack = backend.get_stack(name)
        self.validate_template_and_stack_body()
        previous = stack.stack_parameters
        if self._get_bool_param("UsePreviousTemplate", False):
            body = stack.template
    if url:
        body = self._get_stack_from_s3_url(url)
    params = {p["ParameterKey"]: previous[p["ParameterKey"]] if p.get("UsePreviousValue") else p["ParameterValue"]
              for p in self._get_param("Parameters", [])}
    change_set_id, stack_id = backend.create_change_set(
        stack_name=name, change_set_name=self._get_param("ChangeSetName"), template=body, parameters=params,
        description=self._get_param("Description"), change_set_type=kind,
        notification_arns=self._get_param("NotificationARNs", []),
        tags={t["Key"]: t["Value"] for t in self._get_param("Tags", [])}, role_arn=self._get_param("RoleARN"),
        capabilities=self._get_param("Capabilities", []), token=self._get_param("ClientToken"),
        include_nested=self._get_bool_param("IncludeNestedStacks", False))
    return ActionResult({"Id": change_set_id, "StackId": stack_id})


def r_execute_change_set(self):
    self.cloudformation_backend.execute_change_set(self._get_param("ChangeSetName"), self._get_param("StackName"),
                                                   token=self._get_param("ClientRequestToken"))
    return EmptyResult()


def r_continue_update_rollback(self):
    """Only a stack in UPDATE_ROLLBACK_FAILED can go on rolling back (the
    API reference); the refusal's wording for other states is ours."""
    backend = self.cloudformation_backend
    stack = backend.get_stack(self._get_param("StackName"))
    if stack.status != "UPDATE_ROLLBACK_FAILED":
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not continue "
                                      "its update rollback.")
    if getattr(stack, "hp_parent", None) is not None:
        raise ValidationError(message=f"Stack:{stack.stack_id} is a nested stack: continue the rollback of its "
                                      "root stack, naming its resources to skip as Stack.Resource.")
    engine.set_stack(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated")
    engine.start(update.continue_rollback, stack, skip=list(self._get_param("ResourcesToSkip", []) or []))
    return EmptyResult()


def r_delete_change_set(self):
    self.cloudformation_backend.delete_change_set(self._get_param("ChangeSetName"), self._get_param("StackName"))
    return EmptyResult()


def r_update_termination_protection(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    if getattr(stack, "hp_parent", None) is not None:
        raise ValidationError(message="Termination protection cannot be set on a nested stack; set it on the root stack")
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
    return ActionResult({"StackId": stack.stack_id})


def r_list_stack_resources(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    recs = [r for r in engine.records(stack).values() if r.status != "DELETE_COMPLETE"]
    return ActionResult({"StackResourceSummaries": [_resource_dict(stack, r) for r in recs]})


def r_describe_stack_resources(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    wanted = self._get_param("LogicalResourceId")
    recs = [r for r in engine.records(stack).values()
            if r.status != "DELETE_COMPLETE" and (wanted is None or r.logical_id == wanted)]
    return ActionResult({"StackResources": [_resource_dict(stack, r, detail=True) for r in recs]})


def r_describe_stack_resource(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    wanted = self._get_param("LogicalResourceId")
    rec = engine.records(stack).get(wanted)
    if rec is None:
        raise ValidationError(message=f"Resource {wanted} does not exist for stack {stack.name}")
    detail = _resource_dict(stack, rec, detail=True)
    detail["LastUpdatedTimestamp"] = rec.timestamp
    return ActionResult({"StackResourceDetail": detail})


def strings_not_dates():
    """Read `Version: 2012-10-17` as the string CloudFormation reads: YAML
    1.1's timestamp type, which PyYAML applies to an unquoted date, is not
    one of CloudFormation's (the User Guide's "YAML" template format: a
    template's scalars are strings, numbers and booleans), and a date in an
    IAM policy made moto fail the resource."""
    date = "tag:yaml.org,2002:timestamp"
    for loader in (yaml.Loader, yaml.SafeLoader, TemplateLoader):
        loader.yaml_implicit_resolvers = {first: [(tag, rx) for tag, rx in resolvers if tag != date]
                                          for first, resolvers in loader.yaml_implicit_resolvers.items()}


class TemplateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The templates' YAML read with libyaml's C parser where PyYAML has it:
    moto reads every template (each nested stack's, each change set's) with
    PyYAML's pure-Python Loader, which took most of the emulator's time. The
    same short forms and the same scalars (strings_not_dates) as moto's."""


TemplateLoader.add_multi_constructor("", lambda loader, tag, node: yaml_tag_constructor(loader, tag, node))


_parsed = {}  # template text → its parse, pickled (a fresh copy each time: callers change what they get)


def parse_template(template):
    """Stack.parse_template, with TemplateLoader; JSON as moto reads it. The
    same few templates are read again for every stack and change set made
    from them, so each text is parsed once."""
    cached = _parsed.get(template)
    if cached is None:
        try:
            parsed = yaml.load(template, Loader=TemplateLoader)
        except (yaml.parser.ParserError, yaml.scanner.ScannerError):
            parsed = json.loads(template)
        if len(_parsed) > 256:
            _parsed.clear()
        cached = _parsed[template] = pickle.dumps(parsed)
    return pickle.loads(cached)


def change_set_parse_template(self):
    self.template_dict = parse_template(self.template)


def template_summary(template_body):
    """GetTemplateSummary of a template without AWSTemplateFormatVersion:
    CloudFormation takes the latest format version ("If you don't specify
    a value, CloudFormation assumes the latest template format version",
    the User Guide's "Format version"); moto answered 500."""
    template = Stack.parse_template(template_body)
    if isinstance(template, dict) and "AWSTemplateFormatVersion" not in template:
        template["AWSTemplateFormatVersion"] = "2010-09-09"
        template_body = json.dumps(template)
    return _orig["summary"](template_body)


_orig = {}


def patch():
    _orig.update(
        getitem=parsing.ResourceMap.__getitem__, clean_json=parsing.clean_json, yaml_tag=utils.yaml_tag_constructor,
        create_change_set=CloudFormationBackend.create_change_set,
        execute_change_set=CloudFormationBackend.execute_change_set,
        summary=responses.get_template_summary_response_from_template,
    )
    strings_not_dates()
    Stack.parse_template = staticmethod(parse_template)
    ChangeSet._parse_template = change_set_parse_template
    responses.get_template_summary_response_from_template = template_summary
    parsing.ResourceMap.__getitem__ = resource_map_getitem
    parsing.clean_json = clean_json
    for module in (utils, models, responses):
        module.yaml_tag_constructor = yaml_tag_constructor

    Stack.physical_resource_id = property(lambda self: self.stack_id)
    Stack.outputs = property(stack_outputs)
    Stack.get_cfn_attribute = stack_get_cfn_attribute

    CloudFormationBackend.hp_new_stack = hp_new_stack
    CloudFormationBackend.create_stack = create_stack
    CloudFormationBackend.delete_stack = delete_stack
    CloudFormationBackend.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set
    CloudFormationBackend.delete_change_set = delete_change_set

    r = responses.CloudFormationResponse
    # A DescribeStacks answer is one moment of the stack, as CloudFormation's
    # are: moto renders the outputs (which show only in a complete state)
    # and then the status, while the engine's thread may finish the stack in
    # between, giving CREATE_COMPLETE without its outputs. The engine
    # changes a stack under LOCK, so the answer is rendered under it too.
    r.describe_stacks = one_moment(r.describe_stacks)
    r.describe_stack_events = one_moment(r.describe_stack_events)
    r.create_stack = r_create_stack
    r.delete_stack = r_delete_stack
    r.create_change_set = r_create_change_set
    r.execute_change_set = r_execute_change_set
    r.delete_change_set = r_delete_change_set
    r.continue_update_rollback = r_continue_update_rollback
    r.list_change_sets = r_list_change_sets
    r.update_termination_protection = r_update_termination_protection
    r.list_stack_resources = r_list_stack_resources
    r.describe_stack_resources = r_describe_stack_resources
    r.describe_stack_resource = r_describe_stack_resource
