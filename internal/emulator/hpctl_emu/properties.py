"""Resource properties moto's CloudFormation ignores, applied the way AWS
applies them: a subnet's AvailabilityZoneId, a bucket's public-access block
and versioning, a VPC endpoint's type (Gateway when left out), and an SSM
document's format (JSON when left out: AWS::SSM::Document, DocumentFormat,
"JSON is the default format", CloudFormation User Guide)."""

from moto.cloudformation.exceptions import ValidationError
from moto.ec2.models import ec2_backends
from moto.ec2.models import subnets as ec2_subnets
from moto.ec2.models import vpcs as ec2_vpcs
from moto.s3 import models as s3_models
from moto.ssm import models as ssm_models

_orig = {}


def subnet(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties") or {}
    zone_id = props.pop("AvailabilityZoneId", None)
    if zone_id and not props.get("AvailabilityZone"):
        zones = ec2_backends[account_id][region_name].describe_availability_zones()
        name = next((z.name for z in zones if z.zone_id == zone_id), None)
        if name is None:
            raise ValidationError(message=f"Value ({zone_id}) for parameter availabilityZoneId is invalid.")
        props["AvailabilityZone"] = name
    return _orig["subnet"].__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


def bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    created = _orig["bucket"].__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json.get("Properties") or {}
    backend = s3_models.s3_backends[account_id]["aws"]
    if props.get("PublicAccessBlockConfiguration"):
        backend.put_public_access_block(created.name, props["PublicAccessBlockConfiguration"])
    status = (props.get("VersioningConfiguration") or {}).get("Status")
    if status:
        backend.put_bucket_versioning(created.name, status)
    return created


def endpoint(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties") or {}
    props.setdefault("VpcEndpointType", "Gateway")
    return _orig["endpoint"].__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


def document(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties") or {}
    props.setdefault("DocumentFormat", "JSON")
    return _orig["document"].__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


def patch():
    for key, cls, fn in (("subnet", ec2_subnets.Subnet, subnet), ("bucket", s3_models.FakeBucket, bucket),
                         ("endpoint", ec2_vpcs.VPCEndPoint, endpoint), ("document", ssm_models.Document, document)):
        _orig[key] = cls.create_from_cloudformation_json
        cls.create_from_cloudformation_json = classmethod(fn)
