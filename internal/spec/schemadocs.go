package spec

import (
	"strings"

	"github.com/invopop/jsonschema"
)

// fieldDocs describe the spec's fields that their struct tags do not (a tag
// cannot hold a comma), by spec path; [] stands for any item.
var fieldDocs = map[string]string{
	"apiVersion":                                           "The spec's version: hpctl/v1alpha1",
	"kind":                                                 "Always Cluster",
	"metadata":                                             "What the deployment is called and where it runs",
	"metadata.region":                                      "AWS region; --region and AWS_REGION apply when it is not set, and must agree when it is",
	"metadata.tags":                                        "Tags on every stack, and through them on the resources that take stack tags",
	"orchestrator":                                         "eks or slurm: which hosted main stack deploys the cluster",
	"templates":                                            "Where the CloudFormation templates come from (default: the AWS-hosted prod bucket of the region)",
	"templates.stage":                                      "The hosted bucket's stage: prod (default) or gamma",
	"network":                                              "The VPC, its subnets and security groups: created from settings, or brought by ID",
	"network.availabilityZoneIds":                          "Zone IDs (like usw2-az1) of the subnets hpctl creates, and where the groups may go",
	"network.vpc":                                          "A new VPC (cidr) or one you bring (id with its subnets and route tables)",
	"network.vpc.cidr":                                     "IPv4 CIDR of a new VPC, /16 to /24",
	"network.vpc.id":                                       "ID of a VPC you bring (vpc-…)",
	"network.vpc.privateSubnetIds":                         "Private subnets of the brought VPC for the HyperPod nodes (and FSx)",
	"network.vpc.eksPrivateSubnetIds":                      "Private subnets of the brought VPC for a new EKS control plane: two zones at least",
	"network.vpc.privateRouteTableIds":                     "Route tables of the node subnets: the S3 endpoint attaches there",
	"network.vpc.eksPrivateRouteTableIds":                  "Route tables of the EKS subnets",
	"network.securityGroup":                                "{} creates the group; {id} adds hpctl's rules to a group you bring; {ids} uses groups as they are",
	"network.securityGroup.id":                             "A security group you bring, to which the stack adds the cluster's rules",
	"network.securityGroup.ids":                            "Security groups you bring, used as they are",
	"network.s3Endpoint":                                   "Create an S3 gateway endpoint in the VPC (default true)",
	"kubernetes.cluster":                                   "A new EKS cluster (name, version) or one you run (existing)",
	"kubernetes.cluster.version":                           "Kubernetes version of a new EKS cluster, like 1.33",
	"kubernetes.helm":                                      "The HyperPod Helm chart the main stack installs on the EKS cluster",
	"kubernetes.helm.install":                              "Install the chart (default true)",
	"kubernetes.helm.repoUrl":                              "Git repository of the chart",
	"kubernetes.helm.repoPath":                             "Path of the chart in the repository",
	"kubernetes.helm.release":                              "Helm release name",
	"kubernetes.helm.namespace":                            "Kubernetes namespace of the release",
	"storage":                                              "The lifecycle-script bucket and scripts, and FSx for Lustre",
	"storage.bucket":                                       "{} creates the lifecycle bucket; {name} brings one",
	"storage.bucket.name":                                  "Name of a bucket you bring; its name must start with sagemaker- for the managed instance policy",
	"storage.bucket.onCreatePath":                          "Key of the on-create script in the bucket",
	"storage.lifecycleScripts":                             "true: the hosted default scripts (the default); false: none; {dir, onCreate}: your own folder, which hpctl uploads",
	"storage.lifecycleScripts.dir":                         "Your lifecycle-script folder, relative to the spec; uploaded under hpctl/<stackName>/lifecycle/ in the bucket",
	"storage.lifecycleScripts.onCreate":                    "The folder's OnCreate script (default on_create.sh)",
	"storage.fsx":                                          "false for none; true or settings for a new file system; {id} to bring one",
	"storage.fsx.capacityGiB":                              "Storage capacity of a new file system, in GiB",
	"storage.fsx.throughputPerTiB":                         "Throughput per TiB of storage, in MB/s",
	"storage.fsx.deploymentType":                           "FSx for Lustre deployment type",
	"storage.fsx.compression":                              "Data compression: NONE or LZ4",
	"storage.fsx.lustreVersion":                            "Lustre version, like 2.15",
	"storage.fsx.subnetId":                                 "Subnet of a new file system (default: one the stack picks)",
	"storage.fsx.availabilityZoneId":                       "Zone ID of a new file system",
	"storage.fsx.id":                                       "ID of a file system you bring (fs-…)",
	"iam":                                                  "The cluster's execution role",
	"iam.executionRole":                                    "{} creates the role; {name} brings one",
	"cluster":                                              "The HyperPod cluster: recovery, provisioning and its instance groups",
	"cluster.nodeRecovery":                                 "Automatic (replace faulty nodes) or None",
	"cluster.nodeProvisioningMode":                         "Continuous: the cluster is InService while nodes are still added",
	"cluster.autoScaler":                                   "Karpenter autoscaling of the instance groups (EKS)",
	"cluster.instanceGroups":                               "The instance groups, InstanceGroupSettings1..20 of the main stack",
	"cluster.instanceGroups[].name":                        "Group name: letters, digits and hyphens, unique in the cluster",
	"cluster.instanceGroups[].instanceType":                "A HyperPod instance type (ml.…), from the SageMaker API's list",
	"cluster.instanceGroups[].count":                       "Number of instances",
	"cluster.instanceGroups[].threadsPerCore":              "1 (no hyperthreading) or 2",
	"cluster.instanceGroups[].ebsVolumeGiB":                "Size of each node's secondary EBS volume, in GiB",
	"cluster.instanceGroups[].targetAvailabilityZoneId":    "Zone ID the group's nodes go to; one of network.availabilityZoneIds",
	"cluster.instanceGroups[].deepHealthChecks":            "Deep health checks run when nodes start: InstanceStress, InstanceConnectivity",
	"cluster.instanceGroups[].trainingPlanArn":             "ARN of a SageMaker training plan whose reserved capacity the group uses",
	"cluster.instanceGroups[].lifecycle":                   "The group's own lifecycle scripts, instead of storage.lifecycleScripts' folder or script",
	"cluster.instanceGroups[].lifecycle.dir":               "The group's own folder, relative to the spec (default: storage.lifecycleScripts.dir)",
	"cluster.instanceGroups[].lifecycle.onCreate":          "The group's OnCreate script in that folder (default: storage.lifecycleScripts.onCreate)",
	"cluster.restrictedInstanceGroups":                     "Restricted instance groups (EKS), RigSettings1..20 of the main stack",
	"cluster.restrictedInstanceGroups[].name":              "Group name: letters, digits and hyphens, unique in the cluster",
	"cluster.restrictedInstanceGroups[].instanceType":      "A HyperPod instance type (ml.…), from the SageMaker API's list",
	"cluster.restrictedInstanceGroups[].count":             "Number of instances",
	"cluster.restrictedInstanceGroups[].threadsPerCore":    "1 (no hyperthreading) or 2",
	"cluster.restrictedInstanceGroups[].ebsVolumeGiB":      "Size of each node's secondary EBS volume, in GiB",
	"cluster.restrictedInstanceGroups[].fsxLustre":         "The FSx for Lustre file system of the group's environment",
	"cluster.restrictedInstanceGroups[].fsxLustre.sizeGiB": "Its size, in GiB",
	"cluster.restrictedInstanceGroups[].fsxLustre.throughputPerTiB": "Its throughput per TiB, in MB/s",
	"cluster.restrictedInstanceGroups[].trainingPlanArn":            "ARN of a SageMaker training plan whose reserved capacity the group uses",
	"slurm.accountingDatabase.storageGiB":                           "Storage of the accounting database, in GiB",
	"slurm.accountingDatabase.port":                                 "Port the accounting database listens on",
}

// fieldPatterns are the shapes of the IDs and names a spec writes, the same
// expressions Load checks them with.
var fieldPatterns = map[string]string{
	"network.availabilityZoneIds[]":                      reAZID.String(),
	"network.vpc.id":                                     reVPCID.String(),
	"network.vpc.privateSubnetIds[]":                     reSubnetID.String(),
	"network.vpc.eksPrivateSubnetIds[]":                  reSubnetID.String(),
	"network.vpc.privateRouteTableIds[]":                 reRTBID.String(),
	"network.vpc.eksPrivateRouteTableIds[]":              reRTBID.String(),
	"network.securityGroup.id":                           reSGID.String(),
	"network.securityGroup.ids[]":                        reSGID.String(),
	"storage.fsx.id":                                     reFSID.String(),
	"storage.fsx.subnetId":                               reSubnetID.String(),
	"storage.fsx.availabilityZoneId":                     reAZID.String(),
	"metadata.region":                                    reRegion.String(),
	"metadata.name":                                      reHyperPodName.String(),
	"cluster.instanceGroups[].name":                      reHyperPodName.String(),
	"cluster.instanceGroups[].targetAvailabilityZoneId":  reAZID.String(),
	"cluster.instanceGroups[].trainingPlanArn":           reTrainingPlan.String(),
	"cluster.restrictedInstanceGroups[].name":            reHyperPodName.String(),
	"cluster.restrictedInstanceGroups[].trainingPlanArn": reTrainingPlan.String(),
	"storage.bucket.name":                                reBucket.String(),
	"iam.executionRole.name":                             reRoleName.String(),
}

// document fills in the reflected schema what the Go types cannot say:
// descriptions, ID patterns, and the instance types the SageMaker SDK lists
// (so the schema follows SDK updates as Load does).
func document(s *jsonschema.Schema, path string) {
	if s == nil {
		return
	}
	for _, sub := range append(append([]*jsonschema.Schema{}, s.OneOf...), s.AnyOf...) {
		document(sub, path)
	}
	document(s.Items, path+"[]")
	if p, ok := fieldPatterns[path]; ok && s.Type == "string" {
		s.Pattern = p
	}
	if strings.HasSuffix(path, "[].instanceType") {
		for _, t := range instanceTypes() {
			s.Enum = append(s.Enum, t)
		}
	}
	if s.Properties == nil {
		return
	}
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		child := pair.Key
		if path != "" {
			child = path + "." + pair.Key
		}
		if d, ok := fieldDocs[child]; ok && pair.Value.Description == "" {
			pair.Value.Description = d
		}
		document(pair.Value, child)
	}
}
