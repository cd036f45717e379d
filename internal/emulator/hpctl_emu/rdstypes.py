"""AWS::RDS::DBInstance and AWS::RDS::DBSubnetGroup as the hosted Slurm
accounting database stack uses them, on moto's own RDS backend (so that
DescribeDBInstances, DescribeDBSnapshots and Secrets Manager see them).

moto's own DBInstance model ignores ManageMasterUserPassword (so there is
no managed secret and GetAtt MasterUserSecret.SecretArn fails), reads the
security groups from a "VpcSecurityGroupIds" key where CloudFormation's
property is VPCSecurityGroups, and expects the subnet group as a model
where a Ref gives its name. Its DBSubnetGroup takes subnets in one zone.

What this model checks, as RDS does (Amazon RDS API Reference,
CreateDBInstance and CreateDBSubnetGroup; the messages are the ones RDS
answers, which CloudFormation reports as the handler's):

* DBInstanceClass has the db.<family>.<size> shape ("Invalid DB Instance
  class: X", InvalidParameterValue);
* AllocatedStorage is 20 to 65536 GiB for MariaDB and MySQL on gp2/gp3
  ("Invalid storage size for engine name mariadb and storage type gp2: N");
* ManageMasterUserPassword and MasterUserPassword are not both given, and
  one of them is (InvalidParameterCombination / InvalidParameterValue);
* each of VPCSecurityGroups exists ("Invalid security group , groupId= X,
  groupName=.", InvalidParameterValue);
* the subnet group's subnets span at least two zones
  (DBSubnetGroupDoesNotCoverEnoughAZs).

A DeletionPolicy of Snapshot (the hosted template's, and CloudFormation's
default for a DBInstance outside a cluster: "The default policy is Snapshot
for AWS::RDS::DBCluster resources and for AWS::RDS::DBInstance resources
that don't specify the DBClusterIdentifier property", DeletionPolicy
attribute, CloudFormation User Guide) deletes the instance with a final
manual snapshot, which outlives the stack. CloudFormation's events do not
name the snapshot and its name is not documented; the emulator names it
after the stack, "<stack>-snapshot-<instance>", lowercased as RDS stores it.
"""

import re

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.rds import models as rds_models
from moto.rds.models import rds_backends

from .state import handler_error

CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
STORAGE = {"mariadb": (20, 65536), "mysql": (20, 65536), "postgres": (20, 65536)}
# RDS picks its default version when EngineVersion is left out (the hosted
# template leaves it out); moto knows none for MariaDB, so the emulator names
# one of the 11.4 line, RDS for MariaDB's default major version.
DEFAULT_VERSION = {"mariadb": "11.4.5"}


def ref(value):
    """A Ref's value: moto's parser hands some referenced resources over as
    their models, whose physical ID is the name RDS knows them by."""
    if value is None or isinstance(value, str):
        return value or ""
    return str(getattr(value, "physical_resource_id", None) or getattr(value, "name", value))


def flag(props, key):
    """A Boolean property, which a template may give as true or "true"."""
    return str(props.get(key, "")).lower() == "true"


def rds_error(detail, code="InvalidParameterValue"):
    return handler_error("Rds", detail, 400, code)


class DBInstance(CloudFormationModel):
    def __init__(self, db, account_id, region):
        self.db, self.account_id, self.region = db, account_id, region

    @staticmethod
    def cloudformation_type():
        return "AWS::RDS::DBInstance"

    @staticmethod
    def cloudformation_name_type():
        return "DBInstanceIdentifier"

    @property
    def physical_resource_id(self):
        return self.db.db_instance_identifier

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("Endpoint.Address", "Endpoint.Port", "MasterUserSecret.SecretArn", "DBInstanceArn", "DbiResourceId")

    def get_cfn_attribute(self, attr):
        if attr == "MasterUserSecret.SecretArn":
            secret = getattr(self.db, "master_user_secret", None)
            if secret is None:
                raise KeyError("the instance has no managed master user secret (ManageMasterUserPassword is not true)")
            return secret.secret.arn
        return {"Endpoint.Address": self.db.address, "Endpoint.Port": str(self.db.port),
                "DBInstanceArn": self.db.arn, "DbiResourceId": self.db.dbi_resource_id}[attr]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        engine = str(props.get("Engine") or "")
        klass = str(props.get("DBInstanceClass") or "")
        if not CLASS.match(klass):
            raise rds_error(f"Invalid DB Instance class: {klass}")
        storage_type = str(props.get("StorageType") or "gp2")
        if engine in STORAGE and storage_type in ("gp2", "gp3"):
            low, high = STORAGE[engine]
            size = int(props.get("AllocatedStorage") or 0)
            if not low <= size <= high:
                raise rds_error(f"Invalid storage size for engine name {engine} and storage type {storage_type}: {size}")
        manage = flag(props, "ManageMasterUserPassword")
        if manage and props.get("MasterUserPassword"):
            raise rds_error("You can't specify MasterUserPassword and ManageMasterUserPassword together.",
                            "InvalidParameterCombination")
        if not manage and not props.get("MasterUserPassword") and not props.get("DBSnapshotIdentifier"):
            raise rds_error("The parameter MasterUserPassword must be provided and must not be blank.")
        ec2 = ec2_backends[account_id][region_name]
        groups = [ref(g) for g in props.get("VPCSecurityGroups") or []]
        for g in groups:
            if ec2.get_security_group_from_id(g) is None:
                raise rds_error(f"Invalid security group , groupId= {g}, groupName=.", "InvalidParameterValue")
        identifier = str(props.get("DBInstanceIdentifier") or resource_name).lower().replace("_", "-")[:63]
        backend = rds_backends[account_id][region_name]
        db = backend.create_db_instance({
            "db_instance_identifier": identifier, "db_instance_class": klass, "engine": engine,
            "engine_version": props.get("EngineVersion") or DEFAULT_VERSION.get(engine), "allocated_storage": int(props.get("AllocatedStorage") or 0),
            "storage_type": storage_type, "storage_encrypted": flag(props, "StorageEncrypted"),
            "master_username": props.get("MasterUsername"), "master_user_password": props.get("MasterUserPassword"),
            "manage_master_user_password": manage, "port": int(props.get("Port") or 3306),
            "db_subnet_group_name": ref(props.get("DBSubnetGroupName")) or None, "vpc_security_group_ids": groups,
            "publicly_accessible": flag(props, "PubliclyAccessible"),
            "db_name": props.get("DBName"), "tags": props.get("Tags") or [],
        })
        return cls(db, account_id, region_name)

    def delete(self, account_id, region_name):
        rds_backends[self.account_id][self.region].delete_db_instance(self.db.db_instance_identifier, skip_final_snapshot=True)

    def delete_with_snapshot(self, stack_name):
        """Delete, leaving a final manual snapshot (DeletionPolicy Snapshot)."""
        name = f"{stack_name}-snapshot-{self.db.db_instance_identifier}".lower()[:255]
        rds_backends[self.account_id][self.region].delete_db_instance(
            self.db.db_instance_identifier, final_db_snapshot_identifier=name)


def subnet_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties") or {}
    ec2 = ec2_backends[account_id][region_name]
    zones = []
    for subnet_id in props.get("SubnetIds") or []:
        try:
            zone = ec2.get_subnet(subnet_id).availability_zone
        except Exception:
            raise rds_error(f"Some input subnets in :[{subnet_id}] are invalid.", "InvalidSubnet")
        if zone not in zones:
            zones.append(zone)
    if len(zones) < 2:
        raise rds_error("The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: "
                        f"{', '.join(zones)}. Add subnets to cover at least 2 AZs.", "DBSubnetGroupDoesNotCoverEnoughAZs")
    # RDS stores subnet group names lowercased; a generated one is too.
    return _orig(cls, resource_name.lower(), cloudformation_json, account_id, region_name, **kwargs)


_orig = rds_models.DBSubnetGroup.create_from_cloudformation_json.__func__


def patch():
    """moto's subnet group model checks its zones from now on. This
    DBInstance is defined after moto's, so the type map (rebuilt by
    ec2types.patch, in subclass order) takes it."""
    rds_models.DBSubnetGroup.create_from_cloudformation_json = classmethod(subnet_group)
