"""AWS::FSx::FileSystem, which moto's CloudFormation does not know, created
on moto's own FSx backend (so DescribeFileSystems sees it) after the checks
FSx makes of the values that matter to the hosted templates.

The check that matters most is the shape of SecurityGroupIds. The hosted
fsx-filesystem template takes its security groups as one String and wraps
it in a one-element list, so two brought groups arrive as the single item
"sg-a,sg-b". The FSx API reference (CreateFileSystem, SecurityGroupIds:
"Array Members: Maximum number of 50 items. Length Constraints: Minimum
length of 11. Maximum length of 20. Pattern: ^(sg-[0-9a-f]{8,})$") refuses
such an item with a validation error, which CloudFormation reports as the
resource's failure; each group must also exist (EC2 answers
InvalidGroup.NotFound). Subnets must exist too.
"""

import re

from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError
from moto.ec2.models import ec2_backends
from moto.fsx.models import fsx_backends

from .state import handler_error

SG = re.compile(r"^sg-[0-9a-f]{8,}$")


def handler_message(detail, status=400, code="InvalidRequest"):
    return handler_error("FSx", detail, status, code)


class FileSystem(CloudFormationModel):
    def __init__(self, fs):
        self.fs = fs

    @staticmethod
    def cloudformation_type():
        return "AWS::FSx::FileSystem"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.fs.file_system_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("DNSName", "LustreMountName", "ResourceARN")

    def get_cfn_attribute(self, attr):
        if attr == "DNSName":
            return self.fs.dns_name
        if attr == "LustreMountName":
            return (self.fs.lustre_configuration or {}).get("MountName") or self.fs.file_system_id[3:11]
        if attr == "ResourceARN":
            return self.fs.resource_arn
        raise KeyError(attr)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        groups = [str(g) for g in props.get("SecurityGroupIds") or []]
        subnets = [str(s) for s in props.get("SubnetIds") or []]
        for i, g in enumerate(groups, start=1):
            if len(g) > 20 or not SG.match(g):
                raise handler_message(
                    f"1 validation error detected: Value '{g}' at 'securityGroupIds.{i}.member' failed to satisfy "
                    f"constraint: Member must satisfy regular expression pattern: ^(sg-[0-9a-f]{{8,}})$")
        ec2 = ec2_backends[account_id][region_name]
        for g in groups:
            if ec2.get_security_group_from_id(g) is None:
                raise handler_message(f"The security group '{g}' does not exist (Service: Ec2, Status Code: 400)",
                                      code="NotFound")
        if not subnets:
            raise handler_message("1 validation error detected: Value null at 'subnetIds' failed to satisfy constraint: Member must not be null")
        for s in subnets:
            try:
                ec2.get_subnet(s)
            except Exception:
                raise handler_message(f"The subnet ID '{s}' does not exist", code="NotFound")
        fs = fsx_backends[account_id][region_name].create_file_system(
            client_request_token="", file_system_type=props.get("FileSystemType", "LUSTRE"),
            storage_capacity=int(props.get("StorageCapacity") or 1200), storage_type=props.get("StorageType", "SSD"),
            subnet_ids=subnets, security_group_ids=groups, tags=props.get("Tags"), kms_key_id=None,
            windows_configuration=None, lustre_configuration=props.get("LustreConfiguration"), ontap_configuration=None,
            file_system_type_version=str(props.get("FileSystemTypeVersion") or ""), open_zfs_configuration=None)
        return cls(fs)

    def delete(self, account_id, region_name):
        fsx_backends[account_id][region_name].file_systems.pop(self.fs.file_system_id, None)


def _describe(original):
    """DescribeFileSystems names a file system that is not there with
    FileSystemNotFound (FSx API reference, DescribeFileSystems, Errors:
    "No Amazon FSx file systems were found based upon supplied
    parameters."); moto leaves it out of the answer."""
    def describe_file_systems(self, file_system_ids, *args, **kwargs):
        missing = [i for i in file_system_ids or [] if i not in self.file_systems]
        if missing:
            raise JsonRESTError("FileSystemNotFound", f"File system '{missing[0]}' does not exist.")
        return original(self, file_system_ids, *args, **kwargs)
    return describe_file_systems


def _to_dict(original):
    """A file system's description has its VpcId and Lifecycle (FSx API
    reference, FileSystem), which moto leaves out: the VPC is its subnets'."""
    def to_dict(self):
        out = original(self)
        out.setdefault("Lifecycle", "AVAILABLE")
        try:
            out.setdefault("VpcId", ec2_backends[self.backend.account_id][self.backend.region_name].get_subnet(self.subnet_ids[0]).vpc_id)
        except Exception:
            pass
        return out
    return to_dict


def patch():
    """The model is known once this module is imported; moto caches its map
    of resource types, so it is rebuilt here."""
    from moto.fsx import models
    models.FSxBackend.describe_file_systems = _describe(models.FSxBackend.describe_file_systems)
    models.FileSystem.to_dict = _to_dict(models.FileSystem.to_dict)
    from moto.cloudformation import parsing
    parsing.get_model_map.cache_clear()
    parsing.get_model_list.cache_clear()
