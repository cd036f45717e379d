"""The HyperPod cluster: moto's SageMaker backend with AWS's timing, and the
AWS::SageMaker::Cluster resource type moto's CloudFormation lacks.

Stock moto puts a cluster InService the moment it is created, deletes it at
once, answers a missing cluster with ValidationException, only knows an older
list of instance types, and fails with a 500 when a group has no
ThreadsPerCore. Here a cluster is Creating (nodes Pending, no current
instances) for clusterSeconds, then InService or, when a test asks, Failed
with a FailureMessage; a deleted cluster is Deleting for clusterSeconds and
then gone, answering ResourceNotFound as the API documents. An update of the
resource scales the groups and adds new ones, as UpdateCluster does: the
cluster is Updating for clusterSeconds, then InService with the new counts;
a change to what a group cannot change in place fails the update. A group
of Settings.shortGroups stays below its target once InService, as with
continuous provisioning (AWS: "InService" while nodes are still added).
With continuous provisioning a new cluster is InService before its nodes
are up, as HyperPod's is. Each node writes its lifecycle log, and a group of
Settings.lifecycleFailures fails its script (lifecyclelogs.py).
"""

import copy
import re
import threading
import uuid

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError

from . import clusterevents, lifecyclelogs
from .state import LOCK, STATE, cluster_failure, cluster_seconds, handler_error, pause, short_group

INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")


def later(seconds, action):
    """Run action under the lock after seconds (now, when seconds is 0)."""
    if seconds <= 0:
        action()
        return
    generation = STATE.generation

    def run():
        if pause(seconds, generation):
            with LOCK:
                action()

    threading.Thread(target=run, daemon=True).start()


def backend(account_id, region):
    return sm.sagemaker_backends[account_id][region]


def _short_name(name_or_arn):
    return name_or_arn.split("/")[-1] if name_or_arn.startswith("arn:") else name_or_arn


def patch():
    sm.Cluster.valid_cluster_node_instance_types = _valid_instance_type
    orig_create, orig_describe = sm.SageMakerModelBackend.create_cluster, sm.Cluster.describe

    def create_cluster(self, cluster_name, instance_groups, vpc_config, tags):
        for group in instance_groups:
            group.setdefault("ThreadsPerCore", 1)  # the API's default; moto needs the key
        arn = orig_create(self, cluster_name, instance_groups, vpc_config, tags)
        cluster = self.clusters[cluster_name]
        # moto names a node <group>-<n>; HyperPod's nodes are EC2 instances (i-0…).
        nodes = {}
        for node in cluster.nodes.values():
            node.instance_id = "i-0" + uuid.uuid4().hex[:16]
            nodes[node.instance_id] = node
        cluster.nodes = nodes
        cluster.status = "Creating"
        clusterevents.record(cluster, "Cluster", "Cluster creation started")
        for group in cluster.instance_groups:
            group["CurrentCount"] = 0
            clusterevents.record(cluster, "InstanceGroup", f"Provisioning {group['TargetCount']} instances",
                                 group=group.get("InstanceGroupName"))
        for node in cluster.nodes.values():
            node.status = "Pending"
        later(cluster_seconds("create"), lambda: _settle(cluster))
        return arn

    def delete_cluster(self, cluster_name):
        name = _short_name(cluster_name)
        cluster = self.clusters.get(name)
        if cluster is None:
            raise ResourceNotFound(f"Could not find cluster '{name}'.")
        if cluster.status != "Deleting":
            cluster.status = "Deleting"
            for node in cluster.nodes.values():
                node.status = "ShuttingDown"
            later(cluster_seconds("delete"), lambda: _remove(self, cluster))
        return cluster.arn

    def describe(self):
        out = orig_describe(self)
        out.update({k: v for k, v in getattr(self, "hp_extra", {}).items() if v})
        if not out.get("FailureMessage"):
            out.pop("FailureMessage", None)
        return out

    sm.SageMakerModelBackend.create_cluster = create_cluster
    sm.SageMakerModelBackend.delete_cluster = delete_cluster
    sm.Cluster.describe = describe
    for method in ("describe_cluster", "describe_cluster_node", "list_cluster_nodes"):
        setattr(sm.SageMakerModelBackend, method, _not_found(getattr(sm.SageMakerModelBackend, method)))

    # A model class registers its resource type by existing; clear moto's caches of the list.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def _valid_instance_type(self, instance_type):
    if not INSTANCE_TYPE.match(instance_type or ""):
        raise ValidationError(message=f"Value '{instance_type}' at 'InstanceType' failed to satisfy constraint: "
                                      "Member must be a HyperPod instance type (ml.<family>.<size>)")


def _settle(cluster):
    if cluster.status != "Creating":
        return
    message = cluster_failure(cluster.cluster_name)
    failed_scripts = [] if message else lifecyclelogs.run_scripts(cluster)
    if failed_scripts:
        cluster.status, cluster.failure_message = "Failed", lifecyclelogs.cluster_message(cluster)
        for node, f in failed_scripts:
            node.status = "Failure"
            clusterevents.record(cluster, "Instance", f"Instance {node.instance_id} failed its lifecycle script", "Error",
                                 node.instance_group_name, node.instance_id,
                                 {"FailureMessage": f.get("message") or "Lifecycle script on_create.sh exited with code 1"})
        clusterevents.record(cluster, "Cluster", f"Cluster creation failed: {cluster.failure_message}", "Error")
        return
    if message:
        cluster.status, cluster.failure_message = "Failed", message
        for node in cluster.nodes.values():
            node.status = "Failure"
            clusterevents.record(cluster, "Instance", f"Instance {node.instance_id} failed", "Error",
                                 node.instance_group_name, node.instance_id, {"FailureMessage": message})
        clusterevents.record(cluster, "Cluster", f"Cluster creation failed: {message}", "Error")
        return
    cluster.status = "InService"
    if _continuous(cluster):
        # Continuous provisioning: InService first, the nodes after.
        clusterevents.record(cluster, "Cluster", "Cluster is InService")
        later(cluster_seconds("create"), lambda: _bring_up(cluster))
        return
    _bring_up(cluster)
    clusterevents.record(cluster, "Cluster", "Cluster is InService")


def _continuous(cluster):
    return (getattr(cluster, "hp_extra", {}) or {}).get("NodeProvisioningMode") == "Continuous"


def _bring_up(cluster):
    """The nodes come up: every group reaches its target, a short group
    stops below it, each missing node with an Error event."""
    if cluster.status != "InService":
        return
    running = {}
    for group in cluster.instance_groups:
        name = group.get("InstanceGroupName")
        short = short_group(cluster.cluster_name, name)
        group["CurrentCount"] = group["TargetCount"] if short is None else min(int(short.get("count", 0)), group["TargetCount"])
        running[name] = group["CurrentCount"]
    for node in cluster.nodes.values():
        if running.get(node.instance_group_name, 0) > 0:
            running[node.instance_group_name] -= 1
            node.status = "Running"
            clusterevents.record(cluster, "Instance", f"Instance {node.instance_id} is running", "Info",
                                 node.instance_group_name, node.instance_id)
        else:
            node.status = "Pending"
            clusterevents.record(cluster, "Instance", f"Instance {node.instance_id} is not running yet", "Error",
                                 node.instance_group_name, node.instance_id,
                                 {"FailureMessage": (short_group(cluster.cluster_name, node.instance_group_name) or {}).get("message")
                                  or "injected by the test"})


# What UpdateCluster cannot change in a group that exists (the SageMaker API
# reference, ClusterInstanceGroupSpecification, and the AWS::SageMaker::Cluster
# schema): a change needs a new group.
IMMUTABLE = ("InstanceType", "ExecutionRole", "ThreadsPerCore", "OverrideVpcConfig")


def _update_groups(cluster, wanted):
    """Scale the groups that exist and add the new ones, as UpdateCluster
    does; a request it refuses changes nothing."""
    have = {g["InstanceGroupName"]: g for g in cluster.instance_groups}
    specs = copy.deepcopy(wanted)
    for spec in specs:
        spec.setdefault("ThreadsPerCore", 1)
        old = have.get(spec["InstanceGroupName"])
        if old is None:
            _valid_instance_type(cluster, spec.get("InstanceType"))
            continue
        for key in IMMUTABLE:
            if key in spec and key in old and spec[key] != old[key]:
                raise handler_error("SageMaker", f"{key} of instance group {spec['InstanceGroupName']} cannot be updated; "
                                    "create a new instance group instead", code="ValidationException")
    groups = []
    for spec in specs:
        count = spec.pop("InstanceCount", 0)
        old = have.get(spec["InstanceGroupName"])
        if old is None:
            spec.update(CurrentCount=0, TargetCount=count)
            groups.append(spec)
        else:
            old.update(spec, TargetCount=count)
            groups.append(old)
    cluster.instance_groups = groups
    cluster.status = "Updating"
    later(cluster_seconds("update"), lambda: _settle_update(cluster))


def _settle_update(cluster):
    """The update ends: the groups reach their new targets (a short group
    stops below). With continuous provisioning the cluster is InService
    again at once and the nodes come up after it, another clusterSeconds
    later, as HyperPod adds them in the background (SageMaker HyperPod
    developer guide, "Continuous provisioning": the cluster is InService
    while instances are still being provisioned)."""
    if cluster.status != "Updating":
        return
    cluster.status = "InService"

    def grow():
        for group in cluster.instance_groups:
            short = short_group(cluster.cluster_name, group.get("InstanceGroupName"))
            target = group["TargetCount"]
            group["CurrentCount"] = target if short is None else min(int(short.get("count", 0)), target)

    if _continuous(cluster):
        later(cluster_seconds("update"), grow)
    else:
        grow()


def _remove(backend_, cluster):
    if backend_.clusters.get(cluster.cluster_name) is cluster:
        del backend_.clusters[cluster.cluster_name]


def _not_found(method):
    """moto says ValidationException for a missing cluster; the API says ResourceNotFound."""
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except ValidationError as err:
            if "Could not find cluster" in str(err.message):
                raise ResourceNotFound(err.message)
            raise
    wrapper.__wrapped__ = method
    return wrapper


class ClusterResource(CloudFormationModel):
    """AWS::SageMaker::Cluster: CloudFormation's handler creates the cluster
    and waits for InService (fails on Failed); on delete it deletes the
    cluster and waits until it is gone, a missing cluster counting as done."""

    def __init__(self, name, arn, account_id, region):
        self.name, self.arn, self.account_id, self.region = name, arn, account_id, region

    @staticmethod
    def cloudformation_type():
        return "AWS::SageMaker::Cluster"

    @staticmethod
    def cloudformation_name_type():
        return "ClusterName"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("ClusterArn", "ClusterStatus", "CreationTime", "FailureMessage")

    @property
    def physical_resource_id(self):
        return self.arn  # Ref returns the primary identifier, the ARN

    def _cluster(self):
        return backend(self.account_id, self.region).clusters.get(self.name)

    def get_cfn_attribute(self, attr):
        cluster = self._cluster()
        return {"ClusterArn": self.arn, "ClusterStatus": cluster.status if cluster else None,
                "CreationTime": str(cluster.creation_time) if cluster else None,
                "FailureMessage": cluster.failure_message if cluster else None}[attr]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        name = props["ClusterName"]
        b = backend(account_id, region_name)
        arn = b.create_cluster(cluster_name=name, instance_groups=copy.deepcopy(props.get("InstanceGroups") or []),
                               vpc_config=props.get("VpcConfig"), tags=props.get("Tags"))
        b.clusters[name].hp_extra = {k: props.get(k) for k in (
            "Orchestrator", "NodeRecovery", "NodeProvisioningMode", "RestrictedInstanceGroups", "AutoScaling", "ClusterRole")}
        return cls(name, arn, account_id, region_name)

    def hp_poll_create(self):
        cluster = self._cluster()
        if cluster is None:
            return f"Cluster {self.name} was deleted while it was being created"
        if cluster.status == "Creating":
            return None
        if cluster.status == "InService":
            return ""
        return (f'Resource handler returned message: "Cluster {self.name} failed: {cluster.failure_message}" '
                "(HandlerErrorCode: NotStabilized)")

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        if props.get("ClusterName") != original_resource.name:
            raise handler_error("SageMaker", "the emulator does not replace a cluster (a new ClusterName)", code="ValidationException")
        cluster = original_resource._cluster()
        if cluster is None:
            raise handler_error("SageMaker", f"Cluster {original_resource.name} not found", status=404, code="ResourceNotFound")
        _update_groups(cluster, props.get("InstanceGroups") or [])
        return original_resource

    def hp_poll_update(self):
        cluster = self._cluster()
        if cluster is None:
            return f"Cluster {self.name} was deleted while it was being updated"
        if cluster.status == "Updating":
            return None
        return "" if cluster.status == "InService" else f"Cluster {self.name} is {cluster.status}"

    def delete(self, account_id, region_name):
        cluster = self._cluster()
        if cluster is not None and cluster.status != "Deleting":
            backend(self.account_id, self.region).delete_cluster(self.name)

    def hp_poll_delete(self):
        return "" if self._cluster() is None else None
