"""SageMaker DescribeTrainingPlan, which moto lacks. Plans are bought from
offerings on AWS, which a test cannot do; the "trainingPlans" setting says
which exist: [{"name", "status" (Active), "instanceType", "zoneId",
"total", "available", "targetResources" (["hyperpod-cluster"])}]. The answer
has the fields of the SageMaker API reference's DescribeTrainingPlan
response, one reserved capacity in the plan's zone; a plan not there is
ResourceNotFound, as for the API's other named resources.
"""

import json
from datetime import datetime, timedelta, timezone

from moto.ec2.models import ec2_backends
from moto.sagemaker import responses as sm_responses
from moto.sagemaker.exceptions import ResourceNotFound

from .state import STATE



def zone_name(account, region, zone_id):
    for z in ec2_backends[account][region].describe_availability_zones():
        if z.zone_id == zone_id:
            return z.name
    return ""


def describe_training_plan(self):
    name = self._get_param("TrainingPlanName")
    for p in STATE.config.get("trainingPlans") or []:
        if p.get("name") == name:
            # As JSON of its own: moto's serializer drops what its older
            # copy of the SageMaker model lacks (AvailabilityZoneId).
            return json.dumps(_plan(self, p), default=lambda t: t.timestamp())
    raise ResourceNotFound(f"Training plan {name} does not exist.")


def _plan(self, p):
    region, account = self.region, self.current_account
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    total = int(p.get("total", 1))
    zone = p.get("zoneId", "")
    capacity = {"ReservedCapacityArn": f"arn:aws:sagemaker:{region}:{account}:reserved-capacity/{p['name']}-rc",
                "InstanceType": p.get("instanceType", ""), "TotalInstanceCount": total, "Status": "Active",
                "AvailabilityZone": zone_name(account, region, zone), "AvailabilityZoneId": zone,
                "DurationHours": 24 * 365, "StartTime": start, "EndTime": start + timedelta(days=365)}
    return {"TrainingPlanArn": f"arn:aws:sagemaker:{region}:{account}:training-plan/{p['name']}",
            "TrainingPlanName": p["name"], "Status": p.get("status", "Active"),
            "TotalInstanceCount": total, "AvailableInstanceCount": int(p.get("available", total)),
            "InUseInstanceCount": total - int(p.get("available", total)),
            "TargetResources": p.get("targetResources", ["hyperpod-cluster"]),
            "ReservedCapacitySummaries": [capacity], "StartTime": start, "EndTime": start + timedelta(days=365),
            "DurationHours": 24 * 365, "CurrencyCode": "USD"}


def patch():
    sm_responses.SageMakerResponse.describe_training_plan = describe_training_plan
