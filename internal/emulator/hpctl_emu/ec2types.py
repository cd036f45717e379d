"""Resource types of the hosted network templates that moto's CloudFormation
does not know, on moto's own EC2 backend, with CloudFormation's Ref and
GetAtt values and EC2's checks:

- AWS::EC2::VPCCidrBlock (the private-subnet stack's secondary blocks): Ref
  and GetAtt Id are the association ID; a block that overlaps the VPC's, or
  one over the VPC's limit of five, fails as EC2 fails it; delete
  disassociates it.
- AWS::EC2::SecurityGroupEgress: Ref and GetAtt Id are the rule ID (sgr-…);
  GroupId and IpProtocol are required, with one destination; delete revokes
  the rule.

Sources: the CloudFormation template reference for both types (Ref and
Fn::GetAtt), and the EC2 API reference (AssociateVpcCidrBlock,
AuthorizeSecurityGroupEgress) for the checks.
"""

import ipaddress

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends

from .state import handler_error, required


def ec2_error(detail, code="InvalidParameterValue"):
    return handler_error("Ec2", detail, code=code)


class VPCCidrBlock(CloudFormationModel):
    def __init__(self, vpc_id, association_id, account_id, region):
        self.vpc_id, self.association_id, self.account_id, self.region = vpc_id, association_id, account_id, region

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::VPCCidrBlock"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.association_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("Id", "Ipv6CidrBlock")

    def get_cfn_attribute(self, attr):
        if attr == "Id":
            return self.association_id
        return ""  # no IPv6 block is emulated

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "VpcId")
        cidr = props.get("CidrBlock")
        if not cidr:
            raise ec2_error("Either CidrBlock or AmazonProvidedIpv6CidrBlock is required (the emulator has no IPv6)")
        ec2 = ec2_backends[account_id][region_name]
        try:
            vpc = ec2.get_vpc(props["VpcId"])
        except Exception:
            raise ec2_error(f"The vpc ID '{props['VpcId']}' does not exist", code="InvalidVpcID.NotFound")
        try:
            block = ipaddress.ip_network(cidr)
        except ValueError:
            raise ec2_error(f"Value ({cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.")
        for assoc in vpc._cidr_block_association_set.values():
            have = assoc.get("cidr_block") or ""
            if ":" not in have and assoc.get("cidr_block_state", {}).get("state") == "associated" and \
                    ipaddress.ip_network(have).overlaps(block):
                raise ec2_error(f"The CIDR '{cidr}' conflicts with another subnet", code="InvalidVpc.Range")
        assoc = ec2.associate_vpc_cidr_block(props["VpcId"], cidr, False)
        return cls(props["VpcId"], assoc["association_id"], account_id, region_name)

    def delete(self, account_id, region_name):
        try:
            ec2_backends[self.account_id][self.region].disassociate_vpc_cidr_block(self.association_id)
        except Exception:
            pass  # gone with its VPC


class SecurityGroupEgress(CloudFormationModel):
    def __init__(self, group_id, rule, props, account_id, region):
        self.group_id, self.rule, self.props = group_id, rule, props
        self.account_id, self.region = account_id, region

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::SecurityGroupEgress"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.rule.id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Id"

    def get_cfn_attribute(self, attr):
        return self.rule.id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "GroupId", "IpProtocol")
        destinations = [k for k in ("CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId") if props.get(k)]
        if len(destinations) != 1:
            raise ec2_error("Exactly one of CidrIp, CidrIpv6, DestinationSecurityGroupId or DestinationPrefixListId "
                            "must be specified", code="InvalidParameterCombination")
        ec2 = ec2_backends[account_id][region_name]
        if ec2.get_security_group_from_id(props["GroupId"]) is None:
            raise ec2_error(f"The security group '{props['GroupId']}' does not exist", code="InvalidGroup.NotFound")
        ip_ranges, groups = [], []
        if props.get("CidrIp"):
            ip_ranges = [{"CidrIp": props["CidrIp"], "Description": props.get("Description")}]
        elif props.get("CidrIpv6"):
            ip_ranges = [{"CidrIpv6": props["CidrIpv6"], "Description": props.get("Description")}]
        elif props.get("DestinationSecurityGroupId"):
            groups = [{"GroupId": props["DestinationSecurityGroupId"]}]
        rules, _ = ec2.authorize_security_group_egress(
            group_name_or_id=props["GroupId"], ip_protocol=str(props["IpProtocol"]),
            from_port=props.get("FromPort", -1), to_port=props.get("ToPort", -1), ip_ranges=ip_ranges,
            source_groups=groups, prefix_list_ids=[{"PrefixListId": props["DestinationPrefixListId"]}]
            if props.get("DestinationPrefixListId") else [])
        return cls(props["GroupId"], rules[0], props, account_id, region_name)

    def delete(self, account_id, region_name):
        ec2 = ec2_backends[self.account_id][self.region]
        group = ec2.get_security_group_from_id(self.group_id)
        if group is not None and self.rule in group.egress_rules:
            group.egress_rules.remove(self.rule)


def patch():
    """The models are known once this module is imported; moto caches its
    map of resource types, so it is rebuilt here."""
    from moto.cloudformation import parsing
    parsing.get_model_map.cache_clear()
    parsing.get_model_list.cache_clear()
