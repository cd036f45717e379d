package preflight

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/fsx"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

// trainingPlans checks each group's plan: it exists, is active (or about
// to be), reserves the group's instance type in the group's zone for a
// HyperPod cluster, and has room for every group that uses it.
func (r *run) trainingPlans(ctx context.Context) {
	byPlan := map[string][]group{}
	for _, g := range groupsOf(r.s) {
		if g.plan != "" {
			byPlan[g.plan] = append(byPlan[g.plan], g)
		}
	}
	for _, arn := range slices.Sorted(maps.Keys(byPlan)) {
		groups := byPlan[arn]
		path := groups[0].path + ".trainingPlanArn"
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		r.called()
		out, err := r.c.Capacity.DescribeTrainingPlan(ctx, &sagemaker.DescribeTrainingPlanInput{TrainingPlanName: aws.String(name)})
		switch {
		case cloud.Code(err) == "ResourceNotFound":
			r.errf(path, "no training plan %s in %s (sagemaker:DescribeTrainingPlan)", name, r.c.Region)
			continue
		case err != nil:
			r.unchecked(ctx, "training-plans", path, err)
			continue
		}
		switch out.Status {
		case smtypes.TrainingPlanStatusActive:
		case smtypes.TrainingPlanStatusScheduled, smtypes.TrainingPlanStatusPending:
			r.warnf(path, "training plan %s is %s: its nodes come up only once it starts (%s)", name, out.Status, when(out))
		default:
			r.errf(path, "training plan %s is %s%s; a group can use only an active or scheduled plan", name, out.Status, reason(out.StatusMessage))
			continue
		}
		if len(out.TargetResources) > 0 && !slices.Contains(out.TargetResources, smtypes.SageMakerResourceNameHyperpodCluster) {
			r.errf(path, "training plan %s reserves capacity for %s, not for a HyperPod cluster", name, joinResources(out.TargetResources))
			continue
		}
		need := 0
		for _, g := range groups {
			need += g.count
			r.planFits(ctx, g, name, out)
		}
		if free := int(aws.ToInt32(out.AvailableInstanceCount)); need > free {
			r.errf(path, "training plan %s has %d of its %d instances free; the groups on it need %d", name, free, aws.ToInt32(out.TotalInstanceCount), need)
		}
	}
}

// planFits checks a group against its plan's reserved capacity: the type,
// and the zone the group targets (or the zones of its subnets).
func (r *run) planFits(ctx context.Context, g group, name string, plan *sagemaker.DescribeTrainingPlanOutput) {
	var types, zones []string
	var byName map[string]string
	for _, rc := range plan.ReservedCapacitySummaries {
		types = appendNew(types, string(rc.InstanceType))
		z := aws.ToString(rc.AvailabilityZoneId)
		if z == "" && aws.ToString(rc.AvailabilityZone) != "" && r.c.Network != nil {
			if byName == nil {
				byName, _ = r.zoneIDsByName(ctx)
			}
			z = byName[aws.ToString(rc.AvailabilityZone)]
		}
		if z != "" {
			zones = appendNew(zones, z)
		}
	}
	if len(types) > 0 && !slices.Contains(types, g.instanceType) {
		r.errf(g.path+".instanceType", "is %s, but training plan %s reserves %s", g.instanceType, name, strings.Join(types, ", "))
	}
	target, path := g.zone, g.path+".targetAvailabilityZoneId"
	if target == "" {
		// Without a target, HyperPod places the group in the cluster's
		// subnets: the plan's zone must be among theirs.
		if len(r.s.Network.AvailabilityZoneIDs) == 1 {
			target, path = r.s.Network.AvailabilityZoneIDs[0], "network.availabilityZoneIds"
		}
	}
	if target != "" && len(zones) > 0 && !slices.Contains(zones, target) {
		r.errf(path, "training plan %s reserves capacity in %s; group %s would be in %s: target the plan's zone", name, strings.Join(zones, ", "), g.name, target)
	}
}

func when(p *sagemaker.DescribeTrainingPlanOutput) string {
	if p.StartTime == nil {
		return "no start time given"
	}
	return "starts " + p.StartTime.UTC().Format("2006-01-02 15:04 UTC")
}

func reason(msg *string) string {
	if aws.ToString(msg) == "" {
		return ""
	}
	return " (" + aws.ToString(msg) + ")"
}

func joinResources(rs []smtypes.SageMakerResourceName) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// HyperPod's EKS orchestrator needs the cluster's access entries: the
// authentication modes that have them (SageMaker HyperPod developer guide,
// "Getting started with Amazon EKS support in SageMaker HyperPod").
var eksModes = []ekstypes.AuthenticationMode{ekstypes.AuthenticationModeApi, ekstypes.AuthenticationModeApiAndConfigMap}

// eksOldest is the oldest Kubernetes minor version HyperPod supports (the
// same page: "1.28, 1.29, …", a list that grows at its new end; a version
// newer than the page knows is left to HyperPod to judge).
const eksOldest = 28

// eks checks a brought EKS cluster: there, active, with access entries,
// and in the brought VPC.
func (r *run) eks(ctx context.Context) {
	name, path := r.s.ExistingEKS(), "kubernetes.cluster.existing"
	r.called()
	out, err := r.c.EKS.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	switch {
	case cloud.Code(err) == "ResourceNotFoundException":
		r.errf(path, "no EKS cluster %s in %s (eks:DescribeCluster)", name, r.c.Region)
		return
	case err != nil:
		r.unchecked(ctx, "eks", path, err)
		return
	}
	c := out.Cluster
	if c.Status != ekstypes.ClusterStatusActive {
		r.errf(path, "EKS cluster %s is %s; HyperPod needs it ACTIVE", name, c.Status)
	}
	if minor, ok := kubernetesMinor(aws.ToString(c.Version)); ok && minor < eksOldest {
		r.errf(path, "EKS cluster %s runs Kubernetes %s; HyperPod supports 1.%d and later: upgrade it first", name, aws.ToString(c.Version), eksOldest)
	}
	if c.AccessConfig != nil && !slices.Contains(eksModes, c.AccessConfig.AuthenticationMode) {
		r.errf(path, "EKS cluster %s authenticates by %s; HyperPod needs access entries (API or API_AND_CONFIG_MAP): aws eks update-cluster-config --name %s --access-config authenticationMode=API_AND_CONFIG_MAP",
			name, c.AccessConfig.AuthenticationMode, name)
	}
	if vpc := r.s.Network.VPC.ID; vpc != "" && c.ResourcesVpcConfig != nil && aws.ToString(c.ResourcesVpcConfig.VpcId) != vpc {
		r.errf(path, "EKS cluster %s is in %s, not in network.vpc.id %s", name, aws.ToString(c.ResourcesVpcConfig.VpcId), vpc)
	}
}

// kubernetesMinor is the minor of a version "1.N".
func kubernetesMinor(v string) (int, bool) {
	rest, ok := strings.CutPrefix(v, "1.")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// bucket checks a brought lifecycle bucket is there and readable.
func (r *run) bucket(ctx context.Context) {
	name, path := r.s.Storage.Bucket.Name, "storage.bucket.name"
	r.called()
	_, err := r.c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	switch {
	case err == nil:
	case cloud.BucketMissing(err):
		fill := "with the lifecycle scripts in it"
		if r.s.OwnScripts() != nil {
			fill = "(hpctl uploads storage.lifecycleScripts.dir into it)"
		}
		r.errf(path, "no bucket %s (s3:ListBucket); create it %s, or leave storage.bucket.name out for hpctl to create one", name, fill)
	case cloud.Forbidden(err):
		r.errf(path, "bucket %s exists but this identity may not read it (s3:ListBucket, 403): it is another account's, or its policy denies you", name)
	default:
		r.unchecked(ctx, "bucket", path, err)
	}
}

// role checks a brought execution role is there and trusts SageMaker.
func (r *run) role(ctx context.Context) {
	name, path := r.s.IAM.ExecutionRole.Name, "iam.executionRole.name"
	r.called()
	out, err := r.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	switch {
	case cloud.Code(err) == "NoSuchEntity":
		r.errf(path, "no IAM role %s in this account (iam:GetRole)", name)
		return
	case err != nil:
		r.unchecked(ctx, "role", path, err)
		return
	}
	// GetRole returns the trust policy URL-encoded (IAM API reference, Role).
	doc, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err == nil && doc != "" && !strings.Contains(doc, "sagemaker.amazonaws.com") {
		r.errf(path, "role %s does not trust sagemaker.amazonaws.com, so HyperPod's nodes cannot assume it: add the service to its trust policy", name)
	}
}

// fsx checks a brought file system (there, available, Lustre, in the
// brought VPC, in a zone of the nodes' subnets) and the subnet a new one is
// created in (in its zone).
func (r *run) fsx(ctx context.Context) {
	f := r.s.Storage.FSx
	if f.SubnetID != "" {
		found, err := r.subnetsOf(ctx, []string{f.SubnetID})
		switch sn := found[f.SubnetID]; {
		case err != nil:
			r.unchecked(ctx, "fsx", "storage.fsx.subnetId", err)
		case sn == nil:
			r.errf("storage.fsx.subnetId", "no subnet %s in %s (ec2:DescribeSubnets)", f.SubnetID, r.c.Region)
		case f.AvailabilityZoneID != "" && sn.zone != f.AvailabilityZoneID:
			r.errf("storage.fsx.subnetId", "subnet %s is in %s, not in storage.fsx.availabilityZoneId %s", f.SubnetID, sn.zone, f.AvailabilityZoneID)
		}
	}
	if f.ID == "" {
		return
	}
	path := "storage.fsx.id"
	r.called()
	out, err := r.c.FSx.DescribeFileSystems(ctx, &fsx.DescribeFileSystemsInput{FileSystemIds: []string{f.ID}})
	switch {
	case cloud.Code(err) == "FileSystemNotFound" || err == nil && len(out.FileSystems) == 0:
		r.errf(path, "no FSx file system %s in %s (fsx:DescribeFileSystems)", f.ID, r.c.Region)
		return
	case err != nil:
		r.unchecked(ctx, "fsx", path, err)
		return
	}
	fs := out.FileSystems[0]
	if t := string(fs.FileSystemType); t != "LUSTRE" {
		r.errf(path, "file system %s is %s; HyperPod mounts FSx for Lustre", f.ID, t)
	}
	if l := string(fs.Lifecycle); l != "AVAILABLE" && l != "UPDATING" {
		r.errf(path, "file system %s is %s; it must be AVAILABLE", f.ID, l)
	}
	if vpc := r.s.Network.VPC.ID; vpc != "" && aws.ToString(fs.VpcId) != vpc {
		r.errf(path, "file system %s is in %s, not in network.vpc.id %s", f.ID, aws.ToString(fs.VpcId), vpc)
	}
	nodes := r.s.Network.VPC.PrivateSubnetIDs
	if len(fs.SubnetIds) == 0 || len(nodes) == 0 {
		return
	}
	found, err := r.subnetsOf(ctx, append([]string{fs.SubnetIds[0]}, nodes...))
	if err != nil {
		r.unchecked(ctx, "fsx", path, err)
		return
	}
	own := found[fs.SubnetIds[0]]
	if own == nil {
		return
	}
	var zones []string
	for _, id := range nodes {
		if sn := found[id]; sn != nil {
			zones = appendNew(zones, sn.zone)
		}
	}
	if len(zones) > 0 && !slices.Contains(zones, own.zone) {
		r.errf(path, "file system %s is in %s; the nodes' subnets (network.vpc.privateSubnetIds) are in %s: FSx for Lustre serves one zone, so bring one there", f.ID, own.zone, strings.Join(zones, ", "))
	}
}
