"""GET /hpctl-emu/inventory?region=R: everything the emulator holds that a
deployment could have made, by kind, so that a test (or the demo) can tell
that a destroy left nothing behind. Defaults moto creates itself (the
default VPC and its subnets, main route tables, default security groups)
and deleted things still listed are left out."""

from moto.amp.models import amp_backends
from moto.awslambda.models import lambda_backends
from moto.cloudformation.models import cloudformation_backends
from moto.ec2.models import ec2_backends
from moto.eks.models import eks_backends
from moto.fsx.models import fsx_backends
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.rds.models import rds_backends
from moto.s3.models import s3_backends
from moto.sagemaker.models import sagemaker_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.ssm.models import ssm_backends

ACCOUNT = "123456789012"


def inventory(region):
    cfn = cloudformation_backends[ACCOUNT][region]
    ec2 = ec2_backends[ACCOUNT][region]
    defaults = {v.id for v in ec2.vpcs.values() if v.is_default}
    mine = lambda vpc_id: vpc_id not in defaults  # noqa: E731
    subnets = {s.id for by_zone in ec2.subnets.values() for s in by_zone.values() if mine(s.vpc_id)}
    out = {
        "stacks": sorted(f"{s.name} {s.status}" for s in cfn.stacks.values()),
        "exports": sorted(cfn.exports),
        "clusters": sorted(sagemaker_backends[ACCOUNT][region].clusters),
        "buckets": sorted(s3_backends[ACCOUNT]["aws"].buckets),
        "vpcs": sorted(v.id for v in ec2.vpcs.values() if not v.is_default),
        "subnets": sorted(subnets),
        # Tags a stack put on subnets it did not make (the subnet-tagging
        # Lambda's) outlive it, as on AWS.
        "subnetTags": sorted(f"{t['resource_id']} {t['key']}={t['value']}" for t in ec2.describe_tags(filters={"resource-id": sorted(subnets)})
                             if subnets and not t["key"].startswith("aws:")),
        "routeTables": sorted(rt.id for rt in ec2.route_tables.values() if mine(rt.vpc_id) and not rt.main_association_id),
        "securityGroups": sorted(g.id for groups in ec2.groups.values() for g in groups.values()
                                 if mine(g.vpc_id) and g.name != "default"),
        # Ingress rules of every group not made by moto itself, so that rules a
        # stack added to a group it does not own are seen to go with it.
        "ingressRules": sorted(f"{g.id} {r.ip_protocol} {r.from_port}-{r.to_port} {r.source_group.get('GroupId') or r.ip_range.get('CidrIp')}"
                               for groups in ec2.groups.values() for g in groups.values()
                               if mine(g.vpc_id) and g.name != "default" for r in g.ingress_rules),
        "internetGateways": sorted(i.id for i in ec2.internet_gateways.values()),
        "natGateways": sorted(n.id for n in ec2.nat_gateways.values() if n.state != "deleted"),
        "addresses": sorted(a.allocation_id or a.public_ip for a in ec2.addresses),
        "vpcEndpoints": sorted(e.id for e in ec2.vpc_end_points.values() if e.state != "deleted"),
        "networkInterfaces": sorted(e.id for e in ec2.enis.values()),
        "roles": sorted(r.name for r in iam_backends[ACCOUNT]["global"].roles.values()),
        "parameters": sorted(ssm_backends[ACCOUNT][region]._parameters),
        "documents": sorted(d for d in ssm_backends[ACCOUNT][region]._documents if not d.startswith("AWS-")),
        "logGroups": sorted(logs_backends[ACCOUNT][region].groups),
        "fileSystems": sorted(fsx_backends[ACCOUNT][region].file_systems),
        "eksClusters": sorted(eks_backends[ACCOUNT][region].clusters),
        "prometheusWorkspaces": sorted(amp_backends[ACCOUNT][region].workspaces),
        "dbInstances": sorted(rds_backends[ACCOUNT][region].databases),
        "dbSubnetGroups": sorted(rds_backends[ACCOUNT][region].subnet_groups),
        # A DeletionPolicy Snapshot leaves a manual snapshot; the automated
        # ones go with their instance.
        "dbSnapshots": sorted(k for k, v in rds_backends[ACCOUNT][region].database_snapshots.items() if v.snapshot_type == "manual"),
        "secrets": sorted(s.name for s in secretsmanager_backends[ACCOUNT][region].secrets.values()
                          if not getattr(s, "deleted_date", None)),
        "functions": sorted(f.function_name for f in lambda_backends[ACCOUNT][region].list_functions()),
    }
    return out
