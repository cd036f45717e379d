"""SageMaker ListClusterEvents and DescribeClusterEvent, which moto lacks:
HyperPod's own event stream of a cluster, its instance groups and its
instances (SageMaker API Reference: ListClusterEvents, DescribeClusterEvent,
ClusterEventSummary, ClusterEventDetail, EventMetadata).

The emulated cluster writes what a watcher needs to tell what happens: its
creation starting, each group's provisioning, each instance running, the
cluster InService; and, for a cluster made to fail (clusterFailures) or a
group kept short (shortGroups), an Error event per instance with its
FailureMessage in EventMetadata.Instance, as HyperPod reports a node that
did not come up. Events are listed newest first unless SortOrder says
Ascending, filtered by group, instance, resource type and time, and paged
by MaxResults (1 to 100, 10 when not given).
"""

import uuid
from datetime import timezone

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker import responses as sm_responses
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError


def record(cluster, resource_type, description, level="Info", group=None, instance=None, metadata=None):
    event = {"EventId": str(uuid.uuid4()), "ClusterArn": cluster.arn, "ClusterName": cluster.cluster_name,
             "ResourceType": resource_type, "EventTime": utcnow(), "EventLevel": level, "Description": description}
    if group:
        event["InstanceGroupName"] = group
    if instance:
        event["InstanceId"] = instance
    event["hp_metadata"] = metadata or {}
    if not hasattr(cluster, "hp_events"):
        cluster.hp_events = []
    cluster.hp_events.append(event)


def summary(event):
    return {k: v for k, v in event.items() if not k.startswith("hp_")}


def detail(event):
    out = summary(event)
    # EventMetadata is a union keyed by the resource type (Cluster, InstanceGroup, Instance).
    out["EventDetails"] = {"EventMetadata": {event["ResourceType"]: event["hp_metadata"]}}
    return out


def _epoch(value):
    """Seconds since the epoch of a request's timestamp (moto hands it over
    parsed, as a datetime) or of an event's (moto's naive UTC time)."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return float(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def _cluster(self):
    name = self._get_param("ClusterName") or ""
    name = name.split("/")[-1] if name.startswith("arn:") else name
    cluster = self.sagemaker_backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFound(f"Could not find cluster '{name}'.")
    return cluster


def list_cluster_events(self):
    cluster = _cluster(self)
    events = list(getattr(cluster, "hp_events", []))
    for key, field in (("InstanceGroupName", "InstanceGroupName"), ("NodeId", "InstanceId"), ("ResourceType", "ResourceType")):
        wanted = self._get_param(key)
        if wanted:
            events = [e for e in events if e.get(field) == wanted]
    after, before = _epoch(self._get_param("EventTimeAfter")), _epoch(self._get_param("EventTimeBefore"))
    if after is not None:
        events = [e for e in events if _epoch(e["EventTime"]) > after]
    if before is not None:
        events = [e for e in events if _epoch(e["EventTime"]) < before]
    if self._get_param("SortOrder") != "Ascending":
        events.reverse()
    size = int(self._get_param("MaxResults") or 10)
    if not 1 <= size <= 100:
        raise ValidationError(message=f"Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100")
    start = int(self._get_param("NextToken") or 0)
    page = events[start:start + size]
    out = {"Events": [summary(e) for e in page]}
    if start + size < len(events):
        out["NextToken"] = str(start + size)
    return ActionResult(out)


def describe_cluster_event(self):
    cluster = _cluster(self)
    wanted = self._get_param("EventId")
    for event in getattr(cluster, "hp_events", []):
        if event["EventId"] == wanted:
            return ActionResult({"EventDetails": detail(event)})
    raise ResourceNotFound(f"Could not find event '{wanted}' of cluster '{cluster.cluster_name}'.")


def patch():
    sm_responses.SageMakerResponse.list_cluster_events = list_cluster_events
    sm_responses.SageMakerResponse.describe_cluster_event = describe_cluster_event
