"""The lifecycle-script logs HyperPod's nodes write to CloudWatch Logs, and
lifecycle scripts that fail.

Every node of a cluster writes the output of its lifecycle scripts to the
stream LifecycleConfig/<group>/<instance-id> of the log group
/aws/sagemaker/Clusters/<cluster-name>/<cluster-id> (SageMaker HyperPod
developer guide, "Lifecycle scripts" and its troubleshooting section). The
group is the account's, not the cluster's: it outlives a cluster that
failed and was rolled back, which is why it is the evidence to read.

A group of Settings.lifecycleFailures ([{"cluster": glob, "group": name,
"message": "...", "log": ["line", ...]}]) runs a script that exits non-zero
on each of its nodes: their streams end with the lines given (or a default
failure), the cluster ends Failed with HyperPod's message naming the log
group, and each failed node has an Error event with the setting's message.
"""

import fnmatch
import random
import string
import time

from moto.logs.exceptions import ResourceAlreadyExistsException
from moto.logs.models import logs_backends

from .state import STATE

OK_LINES = ["[INFO] Running lifecycle script on_create.sh", "[INFO] Mounting FSx for Lustre",
            "[INFO] Installing packages", "[INFO] on_create.sh finished with exit code 0"]
FAIL_LINES = ["[INFO] Running lifecycle script on_create.sh", "[ERROR] a command failed",
              "[ERROR] on_create.sh finished with exit code 1"]


def failure(cluster_name, group):
    """The lifecycleFailures entry for a cluster's group (None: its scripts succeed)."""
    for f in STATE.config.get("lifecycleFailures") or []:
        if fnmatch.fnmatchcase(cluster_name, f.get("cluster", "*")) and f.get("group") == group:
            return f
    return None


def cluster_id(cluster):
    """HyperPod names a cluster's log group by its 12-character ID; the
    emulated cluster gets one when its logs are first written."""
    if not getattr(cluster, "hp_cluster_id", None):
        cluster.hp_cluster_id = "".join(random.choices(string.ascii_lowercase + string.digits, k=12))
    return cluster.hp_cluster_id


def log_group(cluster):
    return f"/aws/sagemaker/Clusters/{cluster.cluster_name}/{cluster_id(cluster)}"


def write(cluster, node, lines):
    """Write a node's lifecycle stream."""
    account, region = cluster.arn.split(":")[4], cluster.arn.split(":")[3]
    logs = logs_backends[account][region]
    group = log_group(cluster)
    try:
        logs.create_log_group(group, tags={})
    except ResourceAlreadyExistsException:
        pass
    stream = f"LifecycleConfig/{node.instance_group_name}/{node.instance_id}"
    try:
        logs.create_log_stream(group, stream)
    except ResourceAlreadyExistsException:
        pass
    now = int(time.time() * 1000)
    logs.put_log_events(group, stream, [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)])


def run_scripts(cluster):
    """Every node runs its group's scripts and writes its stream; returns
    the failed nodes with their entries."""
    failed = []
    for node in cluster.nodes.values():
        f = failure(cluster.cluster_name, node.instance_group_name)
        write(cluster, node, (f.get("log") or FAIL_LINES) if f else OK_LINES)
        if f:
            failed.append((node, f))
    return failed


def cluster_message(cluster):
    # HyperPod's FailureMessage for a failed lifecycle script, naming the log group.
    return (f"Lifecycle scripts did not run successfully. To view lifecycle script logs, "
            f"visit log group '{log_group(cluster)}'.")
