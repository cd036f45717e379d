"""The EKS resource types of the hosted templates, which moto's
CloudFormation does not know: AWS::EKS::Cluster on moto's own EKS backend
(so DescribeCluster sees it), and AWS::EKS::Addon, AWS::EKS::AccessEntry and
AWS::EKS::PodIdentityAssociation kept on the cluster they belong to, since
moto's EKS has none of the three.

Each checks what its CloudFormation schema and the EKS API check, with
their words: required keys and allowed values (CloudFormation's "Properties
validation failed" messages), list-shaped properties given as strings, a
cluster's subnets in at least two zones and its role existing, an add-on,
access entry or association for a cluster that does not exist or twice, and
an access entry on a cluster whose authentication mode is CONFIG_MAP.

Ref and GetAtt values are the schema's: a cluster's Ref is its name; an
add-on's and an access entry's Ref is "<cluster>|<name or principal>"; an
association's Ref is its ARN. Deleting a cluster deletes its EKS-made
security group; its add-ons, entries and associations go with it, as EKS
does.

Sources: the CloudFormation template reference for the four types (Ref,
Fn::GetAtt, allowed values), and the EKS API reference (CreateCluster,
CreateAddon, CreateAccessEntry, CreatePodIdentityAssociation and their
errors). The message texts are EKS's as the API reference's error list
and the AWS re:Post answers quote them; where no text was found the
wording is ours and says so here: the subnet-not-found message.
"""

import uuid

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.eks.models import eks_backends
from moto.iam.models import iam_backends
from moto.moto_api._internal import mock_random as random

from .state import handler_error, invalid, required

AUTH_MODES = ("CONFIG_MAP", "API", "API_AND_CONFIG_MAP")
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CONFLICTS = ("NONE", "OVERWRITE", "PRESERVE")
ENTRY_TYPES = ("STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "HYPERPOD_LINUX")
SCOPES = ("cluster", "namespace")
# Kubernetes versions EKS runs in 2026 (standard and extended support).
VERSIONS = tuple(f"1.{minor}" for minor in range(28, 36))
# The add-ons the hosted templates install, and EKS's own common ones.
ADDONS = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver", "aws-fsx-csi-driver",
          "aws-mountpoint-s3-csi-driver", "amazon-cloudwatch-observability", "metrics-server", "cert-manager",
          "amazon-sagemaker-hyperpod-taskgovernance", "amazon-sagemaker-hyperpod-observability",
          "amazon-sagemaker-hyperpod-training-operator", "amazon-sagemaker-hyperpod-inference")


def eks_error(detail, code="InvalidParameterException", status=400):
    return handler_error("Eks", detail, status, code)


def as_list(logical, path, value):
    """A list-shaped property as a list; a string there fails as CloudFormation fails it."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(logical, f"#/{path}: expected type: JSONArray, found: String")
    return [str(v) for v in value]


def one_of(logical, path, value, allowed):
    if value is not None and value not in allowed:
        raise invalid(logical, f"#/{path}: failed validation constraint for keyword [enum]")


def cluster_of(account_id, region, name):
    cluster = eks_backends[account_id][region].clusters.get(str(name))
    if cluster is None:
        raise eks_error(f"No cluster found for name: {name}.", code="ResourceNotFoundException", status=404)
    return cluster


def parts(cluster):
    """What the cluster holds that moto's model has no place for."""
    if not hasattr(cluster, "hp_addons"):
        cluster.hp_addons, cluster.hp_entries, cluster.hp_associations = {}, {}, {}
    return cluster


class Cluster(CloudFormationModel):
    def __init__(self, cluster, group_id, account_id, region):
        self.cluster, self.group_id, self.account_id, self.region = cluster, group_id, account_id, region

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::Cluster"

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @property
    def physical_resource_id(self):
        return self.cluster.name

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("Arn", "CertificateAuthorityData", "ClusterSecurityGroupId", "EncryptionConfigKeyArn",
                        "Endpoint", "Id", "OpenIdConnectIssuerUrl", "KubernetesNetworkConfig.ServiceIpv6Cidr")

    def get_cfn_attribute(self, attr):
        c = self.cluster
        return {"Arn": c.arn, "CertificateAuthorityData": c.certificate_authority["data"],
                "ClusterSecurityGroupId": self.group_id, "EncryptionConfigKeyArn": "", "Endpoint": c.endpoint,
                "Id": c.hp_id, "OpenIdConnectIssuerUrl": c.identity["oidc"]["issuer"],
                "KubernetesNetworkConfig.ServiceIpv6Cidr": ""}[attr]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "ResourcesVpcConfig", "RoleArn")
        vpc_config = props["ResourcesVpcConfig"]
        subnets = as_list(logical, "ResourcesVpcConfig/SubnetIds", vpc_config.get("SubnetIds"))
        groups = as_list(logical, "ResourcesVpcConfig/SecurityGroupIds", vpc_config.get("SecurityGroupIds"))
        if not subnets:
            raise invalid(logical, "#/ResourcesVpcConfig: required key [SubnetIds] not found")
        mode = (props.get("AccessConfig") or {}).get("AuthenticationMode")
        one_of(logical, "AccessConfig/AuthenticationMode", mode, AUTH_MODES)
        logging = ((props.get("Logging") or {}).get("ClusterLogging") or {}).get("EnabledTypes") or []
        for i, entry in enumerate(logging):
            one_of(logical, f"Logging/ClusterLogging/EnabledTypes/{i}/Type", entry.get("Type"), LOG_TYPES)
        version = str(props.get("Version") or VERSIONS[-1])
        if version not in VERSIONS:
            raise eks_error(f"unsupported Kubernetes version {version}")
        name = str(props.get("Name") or resource_name)

        ec2 = ec2_backends[account_id][region_name]
        zones, vpcs = set(), set()
        for s in subnets:
            try:
                subnet = ec2.get_subnet(s)
            except Exception:
                raise eks_error(f"The subnet ID '{s}' does not exist")  # our wording: none published
            zones.add(subnet.availability_zone)
            vpcs.add(subnet.vpc_id)
        if len(zones) < 2:
            raise eks_error("Subnets specified must be in at least two different AZs")
        if len(vpcs) > 1:
            raise eks_error("Subnets must all belong to the same VPC")
        vpc_id = vpcs.pop()
        for g in groups:
            group = ec2.get_security_group_from_id(g)
            if group is None or group.vpc_id != vpc_id:
                raise eks_error(f"Security group {g} does not exist or does not belong to vpc {vpc_id}")
        role = str(props["RoleArn"]).rsplit("/", 1)[-1]
        if role not in {r.name for r in iam_backends[account_id]["global"].roles.values()}:
            raise eks_error(f"Role with arn: {props['RoleArn']}, could not be assumed because it does not exist "
                            "or the trusted entity is not correct")

        cluster = eks_backends[account_id][region_name].create_cluster(
            name=name, role_arn=str(props["RoleArn"]),
            resources_vpc_config={"subnetIds": subnets, "securityGroupIds": groups, "vpcId": vpc_id},
            version=version, tags={t["Key"]: t["Value"] for t in props.get("Tags") or []})
        oidc = uuid.uuid4().hex.upper()
        cluster.identity = {"oidc": {"issuer": f"https://oidc.eks.{region_name}.amazonaws.com/id/{oidc}"}}
        cluster.access_config = {"authenticationMode": mode or "CONFIG_MAP"}
        cluster.hp_id = str(uuid.uuid4())
        # EKS makes the cluster security group itself, in the cluster's VPC.
        group = ec2.create_security_group(
            f"eks-cluster-sg-{name}-{random.randint(1000000000, 9999999999)}",
            "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, "
            "as well as any managed workloads.", vpc_id=vpc_id, tags={f"kubernetes.io/cluster/{name}": "owned"})
        return cls(parts(cluster), group.id, account_id, region_name)

    def delete(self, account_id, region_name):
        eks_backends[self.account_id][self.region].clusters.pop(self.cluster.name, None)
        ec2 = ec2_backends[self.account_id][self.region]
        if ec2.get_security_group_from_id(self.group_id) is not None:
            ec2.delete_security_group(group_id=self.group_id)


class Part:
    """Something kept on its cluster (an add-on, an access entry, an
    association): its Ref, its attributes, and its delete, which forgets it.
    A mixin, not a CloudFormationModel: moto registers the direct subclasses
    of CloudFormationModel only."""

    TYPE, STORE = "", ""

    def __init__(self, cluster, key, ref, attributes):
        self.cluster, self.key, self.ref, self.attributes = cluster, key, ref, attributes

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.ref

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attr):
        return self.attributes[attr]

    def delete(self, account_id, region_name):
        getattr(self.cluster, self.STORE).pop(self.key, None)


class Addon(Part, CloudFormationModel):
    TYPE, STORE, ATTRIBUTES = "AWS::EKS::Addon", "hp_addons", ("Arn",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "AddonName", "ClusterName")
        one_of(logical, "ResolveConflicts", props.get("ResolveConflicts"), CONFLICTS)
        for i, a in enumerate(props.get("PodIdentityAssociations") or []):
            required(a, logical, "RoleArn", "ServiceAccount", path=f"#/PodIdentityAssociations/{i}")
        cluster = parts(cluster_of(account_id, region_name, props["ClusterName"]))
        name = str(props["AddonName"])
        if name not in ADDONS:
            raise eks_error(f"Addon {name} specified is not supported in {cluster.version} kubernetes version")
        if name in cluster.hp_addons:
            raise eks_error("Addon already exists.", code="ResourceInUseException", status=409)
        arn = f"arn:aws:eks:{region_name}:{account_id}:addon/{cluster.name}/{name}/{uuid.uuid4()}"
        cluster.hp_addons[name] = props
        return cls(cluster, name, f"{cluster.name}|{name}", {"Arn": arn})


class AccessEntry(Part, CloudFormationModel):
    TYPE, STORE, ATTRIBUTES = "AWS::EKS::AccessEntry", "hp_entries", ("AccessEntryArn",)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "ClusterName", "PrincipalArn")
        one_of(logical, "Type", props.get("Type"), ENTRY_TYPES)
        for i, policy in enumerate(props.get("AccessPolicies") or []):
            required(policy, logical, "AccessScope", "PolicyArn", path=f"#/AccessPolicies/{i}")
            scope = policy["AccessScope"]
            one_of(logical, f"AccessPolicies/{i}/AccessScope/Type", scope.get("Type"), SCOPES)
            as_list(logical, f"AccessPolicies/{i}/AccessScope/Namespaces", scope.get("Namespaces"))
        as_list(logical, "KubernetesGroups", props.get("KubernetesGroups"))
        principal = str(props["PrincipalArn"])
        if not principal.startswith("arn:aws:iam::"):
            raise eks_error(f"The principalArn parameter format is not valid: {principal}")
        cluster = parts(cluster_of(account_id, region_name, props["ClusterName"]))
        if cluster.access_config.get("authenticationMode") == "CONFIG_MAP":
            raise eks_error("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
                            "to perform this operation.", code="InvalidRequestException")
        if principal in cluster.hp_entries:
            raise eks_error("The specified access entry resource is already in use on this cluster.",
                            code="ResourceInUseException", status=409)
        role = principal.split(":", 5)[-1]
        arn = f"arn:aws:eks:{region_name}:{account_id}:access-entry/{cluster.name}/{role}/{uuid.uuid4()}"
        cluster.hp_entries[principal] = props
        return cls(cluster, principal, f"{cluster.name}|{principal}", {"AccessEntryArn": arn})


class PodIdentityAssociation(Part, CloudFormationModel):
    TYPE, STORE, ATTRIBUTES = "AWS::EKS::PodIdentityAssociation", "hp_associations", ("AssociationArn", "AssociationId")

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "ClusterName", "Namespace", "RoleArn", "ServiceAccount")
        cluster = parts(cluster_of(account_id, region_name, props["ClusterName"]))
        key = (str(props["Namespace"]), str(props["ServiceAccount"]))
        if key in cluster.hp_associations:
            raise eks_error(f"Association already exists: {cluster.hp_associations[key]}",
                            code="ResourceInUseException", status=409)
        association_id = "a-" + random.get_random_string(length=17, lower_case=True)
        arn = f"arn:aws:eks:{region_name}:{account_id}:podidentityassociation/{cluster.name}/{association_id}"
        cluster.hp_associations[key] = arn
        return cls(cluster, key, arn, {"AssociationArn": arn, "AssociationId": association_id})


def patch():
    """The models are known once this module is imported; moto caches its
    map of resource types, so it is rebuilt here."""
    from moto.cloudformation import parsing
    parsing.get_model_map.cache_clear()
    parsing.get_model_list.cache_clear()
