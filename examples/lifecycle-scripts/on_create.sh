#!/bin/bash
# The OnCreate script HyperPod runs on every node as it joins the cluster,
# from the folder hpctl uploads (SourceS3Uri). A starting point: add your
# own set-up below. Its output goes to the node's lifecycle log, which
# `hpctl logs CLUSTER` reads.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/utils/log.sh"

log "node $(hostname) starting its lifecycle scripts"
# Slurm clusters: the cluster stack writes provisioning_parameters.json
# into this folder, naming the controller, login and worker groups.
if [[ -f "$here/provisioning_parameters.json" ]]; then
  log "provisioning parameters: $(tr -d '\n' < "$here/provisioning_parameters.json")"
fi
# EKS clusters: move containerd's data to the secondary EBS volume when
# HyperPod mounted it, as the hosted base-config does.
if mountpoint -q /opt/sagemaker 2>/dev/null && [[ -d /etc/containerd ]]; then
  log "containerd data-root on /opt/sagemaker"
  sed -i 's|^root = .*|root = "/opt/sagemaker/containerd"|' /etc/containerd/config.toml || true
fi
log "done"
