"""ValidateTemplate as CloudFormation answers it, in place of moto's, which
runs cfn-lint, turns its first finding (warnings included) into a malformed
"Stack with id ... does not exist" error, and never returns the parameters.

What CloudFormation checks at this stage (AWS CloudFormation API Reference,
ValidateTemplate; the "Template format error" messages are CloudFormation's
own, as its troubleshooting guide quotes them): that the body is well-formed
YAML or JSON, has only known top-level sections and at least one resource,
that every resource has a Type, and that every Ref, Fn::GetAtt, Fn::Sub
variable and DependsOn names a parameter, a pseudo parameter or a resource
("Unresolved resource dependencies [X] in the Resources block of the
template"). It answers Parameters (key, default, NoEcho, description),
Description, Capabilities with CapabilitiesReason, and DeclaredTransforms.
"""

import json
import re

import yaml
from moto.cloudformation.exceptions import ValidationError
from moto.core.responses import ActionResult

from . import cfn

SECTIONS = {"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions",
            "Transform", "Resources", "Outputs", "Hooks"}
PSEUDO = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId",
          "AWS::StackName", "AWS::URLSuffix"}
SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


# YAML with CloudFormation's short forms (!Ref, !Sub, !GetAtt a.b …), as
# the stacks read it.
Loader = cfn.TemplateLoader


def format_error(message):
    return ValidationError(message=f"Template format error: {message}")


def parse(body):
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:
        return yaml.load(body, Loader=Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        raise format_error(f"YAML not well-formed. (line {mark.line + 1}, column {mark.column + 1})")
    except yaml.YAMLError:
        raise format_error("YAML not well-formed.")


def references(node, local=frozenset()):
    """Names a node refers to: Ref, Fn::GetAtt's resource, Fn::Sub's variables."""
    out = set()
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str):
            return {node["Ref"]}
        if len(node) == 1 and "Fn::GetAtt" in node:
            arg = node["Fn::GetAtt"]
            name = arg[0] if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
            return {name} if isinstance(name, str) else set()
        if len(node) == 1 and "Fn::Sub" in node:
            arg = node["Fn::Sub"]
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
            for value in (variables or {}).values():
                out |= references(value)
            for name in SUB_VAR.findall(text or ""):
                name = name.split(".", 1)[0] if not name.startswith("AWS::") else name
                if name not in (variables or {}):
                    out.add(name)
            return out
        for value in node.values():
            out |= references(value)
    elif isinstance(node, list):
        for value in node:
            out |= references(value)
    return out


def validate(body):
    t = parse(body)
    if not isinstance(t, dict):
        raise format_error("template is not a JSON or YAML object.")
    unknown = sorted(k for k in t if k not in SECTIONS)
    if unknown:
        raise format_error(f"Invalid template property or properties [{', '.join(unknown)}]")
    resources = t.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise format_error("At least one Resources member must be defined.")
    for name, entry in resources.items():
        if not isinstance(entry, dict) or not entry.get("Type"):
            raise format_error(f"[/Resources/{name}] Every Resources object must contain a Type member.")
    params = t.get("Parameters") or {}
    known = set(params) | set(resources) | PSEUDO
    for block in ("Resources", "Outputs"):
        missing = set()
        for entry in (t.get(block) or {}).values():
            missing |= references(entry) - known
            if block == "Resources":
                deps = entry.get("DependsOn") or []
                missing |= set([deps] if isinstance(deps, str) else deps) - set(resources)
        if missing:
            raise format_error(f"Unresolved resource dependencies [{', '.join(sorted(missing))}] in the {block} block of the template")
    return t


def r_validate_template(self):
    body, url = self._get_param("TemplateBody"), self._get_param("TemplateURL")
    if url:
        body = self._get_stack_from_s3_url(url)
    t = validate(body)
    caps = sorted(cfn.required_capabilities(t))
    iam = sorted({e.get("Type") for e in t["Resources"].values() if str(e.get("Type", "")).startswith("AWS::IAM::")})
    transforms = t.get("Transform") or []
    result = {
        "Description": t.get("Description", ""),
        "Parameters": [{"ParameterKey": k, "DefaultValue": None if "Default" not in d else str(d["Default"]),
                        "NoEcho": bool(d.get("NoEcho", False)), "Description": d.get("Description", "")}
                       for k, d in (t.get("Parameters") or {}).items()],
        "Capabilities": caps,
        "DeclaredTransforms": [transforms] if isinstance(transforms, str) else transforms,
    }
    if iam:
        result["CapabilitiesReason"] = f"The following resource(s) require capabilities: [{', '.join(iam)}]"
    return ActionResult(result)


def patch():
    from moto.cloudformation import responses
    responses.CloudFormationResponse.validate_template = r_validate_template
