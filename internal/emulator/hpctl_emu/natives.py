"""Stand-ins for the Lambda-backed custom resources of the hosted templates.

moto would run a custom resource's Lambda in Docker, which these machines do
not have. The engine runs a handler in-process instead, chosen by what the
resource is (its type and the properties the hosted Lambda reads; its
ServiceToken is whatever the template says). Each does what the hosted
Lambda does to AWS state, so that what hpctl sees (objects in the lifecycle
bucket, the generated cluster template, an extra top-level stack, tagged
subnets) is what it would see on AWS.
"""

import copy
import json

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.s3.models import s3_backends

def kind_of(resource_type, props):
    """The handler of a custom resource, by its type and the properties its
    hosted Lambda reads (None when the emulator does not know it)."""
    keys = set(props)
    if resource_type == "Custom::SubnetTagging" or {"PrivateSubnetIds", "Tags"} == keys - {"ServiceToken"}:
        return "subnet-tagging"
    if {"StackName", "StackTemplateUrl"} <= keys:
        return "top-level-stack"
    if {"ClusterName", "InstanceGroupSettings1"} <= keys:
        return "cluster-template"
    if {"BucketName", "Objects"} <= keys:
        return "lifecycle-scripts"
    if {"FsxAvailabilityZoneId", "PrivateSubnetIds"} <= keys:
        return "fsx-helper"
    return None


def is_custom(resource_type):
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"


class Native(CloudFormationModel):
    """A custom resource created by an in-process handler."""

    def __init__(self, kind, physical_id, data, stack, props):
        self.kind, self.physical_id, self.data = kind, physical_id, data
        self.stack, self.props = stack, props

    @property
    def physical_resource_id(self):
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    def get_cfn_attribute(self, attr):
        if attr not in self.data:
            raise KeyError(f"the {self.kind} handler returns no attribute {attr}")
        return self.data[attr]

    def delete(self, account_id, region_name):
        HANDLERS[self.kind].delete(self)

    def hp_poll_create(self):
        poll = getattr(HANDLERS[self.kind], "poll_create", None)
        return poll(self) if poll else ""

    def hp_poll_delete(self):
        poll = getattr(HANDLERS[self.kind], "poll_delete", None)
        return poll(self) if poll else ""


def create(stack, logical_id, entry):
    props = parsing.clean_json(entry.get("Properties") or {}, stack.resource_map)
    kind = kind_of(entry.get("Type", ""), props)
    if kind not in HANDLERS:
        from .engine import EmulatorError
        raise EmulatorError(f"custom resource {logical_id} ({entry.get('Type')}, properties {sorted(props)}): "
                            "the emulator does not know what its Lambda does")
    physical_id, data = HANDLERS[kind].create(stack, logical_id, props)
    return Native(kind, physical_id, data, stack, props)


def s3(stack):
    return s3_backends[stack.account_id]["aws"]


# ---- lifecycle scripts ----------------------------------------------------------

def update(stack, logical_id, entry, old):
    """An Update request: handlers that act on their properties run again;
    the others keep what they made and take the new properties."""
    handler = HANDLERS[old.kind]
    if not getattr(handler, "rerun_on_update", False):
        old.props = parsing.clean_json(entry.get("Properties") or {}, stack.resource_map)
        return old
    return create(stack, logical_id, entry)


class LifecycleScripts:
    """Uploads the lifecycle scripts into the bucket, as the hosted Lambdas
    download and upload them. On delete the EKS one removes its own keys; the
    Slurm one (Scope: bucket) deletes every object in the bucket, which is the
    hazard destroy must know about."""

    rerun_on_update = True

    @staticmethod
    def create(stack, logical_id, props):
        bucket = props["BucketName"]
        for key, body in (props.get("Objects") or {}).items():
            s3(stack).put_object(bucket, key, str(body).encode())
        return f"{bucket}-{logical_id}", {"Message": "Files uploaded successfully"}

    @staticmethod
    def delete(native):
        backend, bucket = s3(native.stack), native.props["BucketName"]
        if bucket not in backend.buckets:
            return
        if native.props.get("Scope") == "bucket":
            keys = list(backend.buckets[bucket].keys.keys())
        else:
            keys = list(native.props.get("Objects") or {})
        for key in keys:
            backend.delete_object(bucket, key)


# ---- the HyperPod cluster template ------------------------------------------------

def combine(props, prefix):
    """The hosted Lambda's combine_settings: slots 1..20 in order, each a JSON
    array (one level of nesting flattened); empty, [] and invalid JSON skipped."""
    groups = []
    for i in range(1, 21):
        raw = props.get(f"{prefix}{i}") or ""
        if raw.strip() in ("", "[]"):
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            print(f"hpctl-emu: {prefix}{i} is not JSON; skipped, as the hosted Lambda does")
            continue
        if not isinstance(value, list):
            print(f"hpctl-emu: {prefix}{i} is not a JSON array; skipped")
            continue
        for item in value:
            groups.extend(item if isinstance(item, list) else [item])
    return groups


def split(value):
    if isinstance(value, list):
        return [v for v in value if v]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def cluster_tags(raw):
    raw = (raw or "").strip()
    if not raw:
        return []
    try:
        value = json.loads(raw)
        if isinstance(value, dict):
            return [{"Key": k, "Value": str(v)} for k, v in value.items()]
        return value
    except ValueError:
        return [{"Key": k, "Value": v} for k, _, v in (p.partition("=") for p in raw.split(",") if p)]


class ClusterTemplate:
    """What HyperPodParamClusterStack's Lambda does: build the
    AWS::SageMaker::Cluster properties from the slots and the stack's
    resources, write a template holding that one resource to the lifecycle
    bucket, and return its URL for HyperPodClusterStack to deploy."""

    KEY = "hyperpod-cluster-template.yaml"
    rerun_on_update = True

    @classmethod
    def create(cls, stack, logical_id, props):
        from .engine import EmulatorError
        account, region = stack.account_id, stack.region_name
        slurm = props.get("Orchestrator") == "slurm"
        bucket = props["S3BucketName"]
        groups, rigs = combine(props, "InstanceGroupSettings"), combine(props, "RigSettings")
        sgs, subnets = split(props.get("SecurityGroupIds")), split(props.get("PrivateSubnetIds"))
        ec2 = ec2_backends[account][region]
        zone_of = {}
        for subnet in subnets:
            try:
                zone_of[subnet] = ec2.get_subnet(subnet).availability_zone_id
            except Exception:
                pass
        role = f"arn:aws:iam::{account}:role/{props.get('SageMakerIAMRoleName')}"
        on_create = props.get("OnCreatePath") or "on_create.sh"
        folder, _, script = on_create.rpartition("/")
        source = f"s3://{bucket}/{folder}" if folder else f"s3://{bucket}"
        slurm_roles = {"controller_group": None, "login_group": None, "worker_groups": []}

        for group in groups:
            zone = group.pop("TargetAvailabilityZoneId", None)
            if zone:
                match = next((s for s in subnets if zone_of.get(s) == zone), None)
                if match:
                    override = group.setdefault("OverrideVpcConfig", {})
                    override.setdefault("SecurityGroupIds", sgs)
                    override["Subnets"] = [match]
                else:
                    print(f"hpctl-emu: no subnet in {zone} for {group.get('InstanceGroupName')}; TargetAvailabilityZoneId dropped")
            if slurm:
                kind = group.pop("InstanceGroupType", None)
                name = group.get("InstanceGroupName")
                if kind == "Controller":
                    slurm_roles["controller_group"] = name
                elif kind == "Login":
                    slurm_roles["login_group"] = name
                elif kind == "Compute":
                    slurm_roles["worker_groups"].append({"instance_group_name": name, "partition_name": group.get("InstanceType")})
                else:
                    raise EmulatorError(f"InstanceGroupType {kind!r} of {name} is not Controller, Login or Compute")
            group.setdefault("ExecutionRole", role)
            group.setdefault("LifeCycleConfig", {"SourceS3Uri": source, "OnCreate": script})
            if "OverrideVpcConfig" in group:
                group["OverrideVpcConfig"].setdefault("SecurityGroupIds", sgs)
        for rig in rigs:
            rig.setdefault("ExecutionRole", role)

        cluster = {"ClusterName": props["ClusterName"], "NodeRecovery": props.get("NodeRecovery") or "Automatic"}
        if subnets:
            cluster["VpcConfig"] = {"SecurityGroupIds": sgs, "Subnets": subnets}
        elif not slurm:
            raise EmulatorError("At least one subnet and one security group are required for an EKS cluster")
        if not slurm:
            cluster["Orchestrator"] = {"Eks": {"ClusterArn": f"arn:aws:eks:{region}:{account}:cluster/{props.get('EKSClusterName')}"}}
        if groups:
            cluster["InstanceGroups"] = groups
        if rigs:
            cluster["RestrictedInstanceGroups"] = rigs
        tags = cluster_tags(props.get("Tags"))
        if tags:
            cluster["Tags"] = tags
        if props.get("NodeProvisioningMode") == "Continuous":
            cluster["NodeProvisioningMode"] = "Continuous"
            if props.get("AutoScalerType") not in (None, "", "None"):
                cluster["AutoScaling"] = {"Mode": "Enable", "AutoScalerType": props["AutoScalerType"]}

        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"NewHyperPodCluster": {"Type": "AWS::SageMaker::Cluster", "Properties": cluster}},
            "Outputs": {
                "HyperPodClusterArn": {"Value": {"Fn::GetAtt": ["NewHyperPodCluster", "ClusterArn"]}},
                "HyperPodClusterName": {"Value": {"Ref": "NewHyperPodCluster"}},
            },
        }
        s3(stack).put_object(bucket, cls.KEY, json.dumps(template, indent=2).encode())
        if slurm:
            params = dict(slurm_roles)
            if props.get("FsxDnsName"):
                params["fsx_dns_name"], params["fsx_mountname"] = props["FsxDnsName"], props.get("FsxMountName")
            key = f"{folder}/provisioning_parameters.json" if folder else "provisioning_parameters.json"
            s3(stack).put_object(bucket, key, json.dumps(params, indent=2).encode())
        return f"{bucket}/{cls.KEY}", {"TemplateUrl": f"https://{bucket}.s3.amazonaws.com/{cls.KEY}"}

    @classmethod
    def delete(cls, native):
        backend, bucket = s3(native.stack), native.props["S3BucketName"]
        if bucket in backend.buckets:
            folder = (native.props.get("OnCreatePath") or "").rpartition("/")[0]
            for key in (cls.KEY, f"{folder}/provisioning_parameters.json" if folder else "provisioning_parameters.json"):
                backend.delete_object(bucket, key)


# ---- a top-level stack made by a custom resource ---------------------------------------

class TopLevelStack:
    """The EKS observability custom resource's Lambda: create a separate
    top-level stack from a template URL and wait for it; delete it on delete."""

    @staticmethod
    def create(stack, logical_id, props):
        from moto.cloudformation.models import cloudformation_backends
        from moto.cloudformation.utils import get_stack_from_s3_url

        from . import engine
        backend = cloudformation_backends[stack.account_id][stack.region_name]
        body = get_stack_from_s3_url(props["StackTemplateUrl"], account_id=stack.account_id, partition="aws")
        params = {k: v for k, v in (props.get("StackParameters") or {}).items()}
        child = backend.hp_new_stack(props["StackName"], body, params, parent=None, capabilities=stack.hp_capabilities)
        engine.start(engine.create_stack, child)
        return child.stack_id, {"StackId": child.stack_id}

    @staticmethod
    def child(native):
        from moto.cloudformation.models import cloudformation_backends
        backend = cloudformation_backends[native.stack.account_id][native.stack.region_name]
        return backend.stacks.get(native.physical_id) or backend.deleted_stacks.get(native.physical_id)

    @classmethod
    def poll_create(cls, native):
        status = cls.child(native).status
        if status.endswith("_IN_PROGRESS"):
            return None
        return "" if status == "CREATE_COMPLETE" else f"the stack {native.physical_id} ended {status}"

    @classmethod
    def delete(cls, native):
        from . import engine
        child = cls.child(native)
        if child is not None and child.status not in ("DELETE_COMPLETE", "DELETE_IN_PROGRESS"):
            engine.start(engine.delete_stack, child)

    @classmethod
    def poll_delete(cls, native):
        # The deletion runs in a thread that may not have started yet: until
        # the stack ends DELETE_COMPLETE or DELETE_FAILED, it is in progress.
        status = cls.child(native).status
        if status == "DELETE_COMPLETE":
            return ""
        return f"the stack {native.physical_id} ended {status}" if status == "DELETE_FAILED" else None


# ---- the FSx subnet helper ---------------------------------------------------------

class FsxHelper:
    """The hosted fsx-filesystem template's inline helper Lambda: pick the
    first of PrivateSubnetIds in FsxAvailabilityZoneId (or take FsxSubnetId),
    failing as it does when none is there. An existing file system is taken as
    given: the real helper describes it, and moto holds only those made here."""

    @staticmethod
    def create(stack, logical_id, props):
        if props.get("FsxFileSystemId"):
            return f"{logical_id}-{props['FsxFileSystemId']}", {"FileSystemId": props["FsxFileSystemId"], "FSxMountName": "fsx"}
        if props.get("FsxSubnetId"):
            return f"{logical_id}-{props['FsxSubnetId']}", {"SubnetId": props["FsxSubnetId"]}
        zone = props.get("FsxAvailabilityZoneId", "")
        ec2 = ec2_backends[stack.account_id][stack.region_name]
        for subnet_id in split(props.get("PrivateSubnetIds")):
            try:
                subnet = ec2.get_subnet(subnet_id)
            except Exception:
                continue
            if getattr(subnet, "availability_zone_id", None) == zone:
                return f"{logical_id}-{subnet_id}", {"SubnetId": subnet_id}
        from .engine import EmulatorError
        raise EmulatorError(f"No subnet found in availability zone ID {zone}")

    @staticmethod
    def delete(native):
        pass


class SubnetTagging:
    """The hosted private-subnet-tagging Lambda: ec2:CreateTags of its Tags
    on every subnet of PrivateSubnetIds, on create and on update; a delete
    leaves the tags (hosted-templates.md, PrivateSubnetTagsStack)."""

    rerun_on_update = True

    @staticmethod
    def create(stack, logical_id, props):
        from .state import LambdaFailed
        ec2 = ec2_backends[stack.account_id][stack.region_name]
        subnets = split(props.get("PrivateSubnetIds"))
        tags = {t["Key"]: str(t["Value"]) for t in props.get("Tags") or []}
        for subnet_id in subnets:
            try:
                ec2.get_subnet(subnet_id)
            except Exception:
                # The Lambda's boto3 error, as its handler reports it.
                raise LambdaFailed(f"An error occurred (InvalidSubnetID.NotFound) when calling the CreateTags operation: "
                                   f"The subnet ID '{subnet_id}' does not exist")
        if subnets and tags:
            ec2.create_tags(subnets, tags)
        return f"{logical_id}-{'-'.join(subnets)}", {}

    @staticmethod
    def delete(native):
        pass


HANDLERS = {
    "subnet-tagging": SubnetTagging,
    "fsx-helper": FsxHelper,
    "lifecycle-scripts": LifecycleScripts,
    "cluster-template": ClusterTemplate,
    "top-level-stack": TopLevelStack,
}
