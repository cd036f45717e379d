"""Service Quotas ListServiceQuotas and ListAWSDefaultServiceQuotas for
SageMaker, which moto lacks (it knows only vpc's defaults).

Every account has HyperPod's quotas (the SageMaker HyperPod prerequisites
name them): "<instance type> for cluster usage" for each type HyperPod
offers, a cap on the instances of one cluster and a total across the
account's clusters. The emulator lists them all, for every type in the
SageMaker model's ClusterInstanceType enum, at values generous enough that
a test trips none unless its settings say so: the "quotas" setting maps a
quota name to its applied value. Each quota has the fields of the Service
Quotas API reference's ServiceQuota; its code is derived from its name, as
real codes are opaque. Pages hold MaxResults quotas (1 to 100, 100 when not
given) with a NextToken, as the API pages them.
"""

import hashlib
import json

from botocore.loaders import Loader
from moto.servicequotas import responses as sq_responses

from .state import STATE

PER_CLUSTER = "Maximum number of instances allowed per SageMaker HyperPod cluster"
ACROSS = "Total number of instances allowed across SageMaker HyperPod clusters"
DEFAULTS = {PER_CLUSTER: 200, ACROSS: 400}
TYPE_DEFAULT = 64

_types = []


def instance_types():
    if not _types:
        model = Loader().load_service_model("sagemaker", "service-2")
        _types.extend(model["shapes"]["ClusterInstanceType"]["enum"])
    return _types


def code(name):
    return "L-" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()


def quota(account, region, name, value):
    c = code(name)
    return {"ServiceCode": "sagemaker", "ServiceName": "Amazon SageMaker", "QuotaCode": c, "QuotaName": name,
            "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:sagemaker/{c}", "Value": float(value),
            "Unit": "None", "Adjustable": True, "GlobalQuota": False, "QuotaAppliedAtLevel": "ACCOUNT"}


def sagemaker_quotas(account, region, applied):
    values = dict(DEFAULTS)
    values.update({t + " for cluster usage": TYPE_DEFAULT for t in instance_types()})
    if applied:
        values.update({k: v for k, v in (STATE.config.get("quotas") or {}).items()})
    return [quota(account, region, n, v) for n, v in sorted(values.items())]


def _page(self, applied, original):
    params = json.loads(self.body or "{}")
    if params.get("ServiceCode") != "sagemaker":
        return original(self)
    size = int(params.get("MaxResults") or 100)
    if not 1 <= size <= 100:
        return 400, {}, json.dumps({"__type": "ValidationException", "message": "MaxResults must be between 1 and 100"})
    quotas = sagemaker_quotas(self.current_account, self.region, applied)
    start = int(params.get("NextToken") or 0)
    out = {"Quotas": quotas[start:start + size]}
    if start + size < len(quotas):
        out["NextToken"] = str(start + size)
    return json.dumps(out)


def patch():
    cls = sq_responses.ServiceQuotasResponse
    default = cls.list_aws_default_service_quotas

    def list_service_quotas(self):
        return _page(self, True, lambda s: json.dumps({"Quotas": []}))

    def list_aws_default_service_quotas(self):
        return _page(self, False, default)

    cls.list_service_quotas = list_service_quotas
    cls.list_aws_default_service_quotas = list_aws_default_service_quotas
