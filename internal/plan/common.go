package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
)

// HostedBucket is the AWS bucket that serves the hosted templates.
func HostedBucket(region, stage string) string {
	return fmt.Sprintf("aws-sagemaker-hyperpod-cluster-setup-%s-%s", region, stage)
}

// BucketURL is the regional virtual-hosted URL of an object, the form the
// hosted main stacks use for every nested TemplateURL.
func BucketURL(bucket, region, key string) string {
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", bucket, region, key)
}

// common sets what both main stacks take the same way.
func (r *resolver) common() {
	c := r.c
	r.set("Stage", c.Stage(), "templates.stage", "the hosted stage hpctl reads by default")
	r.set("ResourceNamePrefix", c.ResourcePrefix(), "metadata.resourcePrefix", "sagemaker-<name>: the managed instance policy grants sagemaker-* buckets")
	r.setIf("CustomBucketName", c.Templates.Bucket, "templates.bucket")
	r.set("HyperPodClusterName", c.Metadata.Name, "metadata.name", "")
	r.setIf("NodeRecovery", c.Cluster.NodeRecovery, "cluster.nodeRecovery")
	tags, _ := json.Marshal(r.clusterTags())
	r.set("Tags", string(tags), "metadata.tags", "hpctl's ownership tags, so the cluster is known as hpctl's")
	r.toggle("CreateHyperPodClusterStack", c.Cluster.Creates(), "cluster.create", "the cluster is created unless cluster.create is false")
	if c.Cluster.Creates() {
		r.want("HyperPodClusterStack", true, "cluster", "HyperPod cluster %s", c.Metadata.Name)
	} else {
		r.want("HyperPodClusterStack", false, "cluster.create", "cluster.create is false")
	}
	r.fsx()
}

// fsxStacks are the catalog stacks that make the file system: the newest
// EKS main stack splits it in two (the file system, then its Kubernetes
// side), older ones had one FsxStack. The plan lists those the template has.
func (r *resolver) fsxStacks() []string {
	if r.c.Orchestrator == spec.EKS {
		return []string{"FsxFilesystemStack", "FsxK8sIntegrationStack", "FsxStack"}
	}
	return []string{"FsxStack"}
}

// wantFsx records the spec's intent for every FSx stack.
func (r *resolver) wantFsx(create bool, path, format string, args ...any) {
	for _, name := range r.fsxStacks() {
		if name == "FsxK8sIntegrationStack" && create {
			r.want(name, true, path, "the FSx CSI driver and the Lustre volume on the EKS cluster")
			continue
		}
		r.want(name, create, path, format, args...)
	}
}

// fsx maps storage.fsx, which both main stacks take the same way.
func (r *resolver) fsx() {
	f := r.c.Storage.FSx
	r.toggle("CreateFsxStack", f.Enabled(), "storage.fsx", "no storage.fsx in the spec: no file system")
	switch {
	case !f.Enabled() && r.c.Has("storage.fsx"):
		r.wantFsx(false, "storage.fsx", "storage.fsx is false")
		return
	case !f.Enabled():
		r.wantFsx(false, "storage.fsx", "storage.fsx is not set")
		return
	case f.ID != "":
		r.wantFsx(true, "storage.fsx.id", "attaches existing file system %s", f.ID)
		r.set("FsxFileSystemId", f.ID, "storage.fsx.id", "")
		return
	}
	r.wantFsx(true, "storage.fsx", "new FSx for Lustre file system, %d GiB", r.fsxCapacity())
	r.setIf("FsxSubnetId", f.SubnetID, "storage.fsx.subnetId")
	switch azs := r.c.Network.AvailabilityZoneIDs; {
	case f.AvailabilityZoneID != "":
		r.set("FsxAvailabilityZoneId", f.AvailabilityZoneID, "storage.fsx.availabilityZoneId", "")
	case f.SubnetID == "" && len(azs) > 0:
		r.set("FsxAvailabilityZoneId", azs[0], "", "the first of network.availabilityZoneIds")
	}
	r.setIf("DeploymentType", f.DeploymentType, "storage.fsx.deploymentType")
	r.setIf("DataCompressionType", f.Compression, "storage.fsx.compression")
	r.setIf("FileSystemTypeVersion", string(f.LustreVersion), "storage.fsx.lustreVersion")
	if f.CapacityGiB > 0 {
		r.set("StorageCapacity", fmt.Sprint(f.CapacityGiB), "storage.fsx.capacityGiB", "")
	}
	if f.ThroughputPerTiB > 0 {
		r.set("PerUnitStorageThroughput", fmt.Sprint(f.ThroughputPerTiB), "storage.fsx.throughputPerTiB", "")
	}
}

func (r *resolver) fsxCapacity() int {
	var n int
	fmt.Sscan(r.value("StorageCapacity"), &n)
	if f := r.c.Storage.FSx; f != nil && f.CapacityGiB > 0 {
		n = f.CapacityGiB
	}
	return n
}

// network maps the VPC switch and the brought IDs; what differs between the
// main stacks is passed in.
func (r *resolver) vpc() {
	n := r.c.Network
	if n.VPC.Brought() {
		r.toggle("CreateVPCStack", false, "network.vpc.id", "")
		r.set("VpcId", n.VPC.ID, "network.vpc.id", "")
		r.setIf("PrivateSubnetIds", strings.Join(n.VPC.PrivateSubnetIDs, ","), "network.vpc.privateSubnetIds")
		r.want("VPCStack", false, "network.vpc.id", "VPC %s is brought", n.VPC.ID)
		return
	}
	r.toggle("CreateVPCStack", true, "network.vpc", "no network.vpc.id: hpctl creates the VPC")
	r.setIf("VpcCIDR", n.VPC.CIDR, "network.vpc.cidr")
	r.setIf("AvailabilityZoneIds", strings.Join(n.AvailabilityZoneIDs, ","), "network.availabilityZoneIds")
	cidr := n.VPC.CIDR
	if cidr == "" {
		cidr = r.value("VpcCIDR") + " (template default)"
	}
	r.want("VPCStack", true, "network.vpc", "new VPC %s in %s", cidr, strings.Join(n.AvailabilityZoneIDs, ", "))
}

func (r *resolver) role() {
	role := r.c.IAM.ExecutionRole.Name
	r.toggle("CreateSageMakerIAMRoleStack", role == "", "iam.executionRole", "no iam.executionRole.name: hpctl creates the role")
	if role != "" {
		r.set("SageMakerIAMRoleName", role, "iam.executionRole.name", "")
		r.want("SageMakerIAMRoleStack", false, "iam.executionRole.name", "execution role %s is brought", role)
		return
	}
	r.want("SageMakerIAMRoleStack", true, "iam.executionRole", "new execution role %sExecRole", r.c.ResourcePrefix())
}

// bucket maps the lifecycle bucket and its scripts.
func (r *resolver) bucket() {
	c, s := r.c, r.c.Storage
	lcs := c.LifecycleScripts()
	if own := r.own; own != nil {
		r.ownScripts(own)
		return
	}
	r.toggle("CreateS3BucketStack", s.Bucket.Name == "", "storage.bucket", "no storage.bucket.name: hpctl creates the bucket")
	newBucket := fmt.Sprintf("new lifecycle bucket %s-bucket", c.ResourcePrefix())
	switch {
	case s.Bucket.Name != "":
		r.set("S3BucketName", s.Bucket.Name, "storage.bucket.name", "")
		path := s.Bucket.OnCreatePath
		if path == "" {
			path = "on_create.sh"
		}
		// Sent even when left out: the template's default is not a script name.
		r.set("OnCreatePath", path, "storage.bucket.onCreatePath", "on_create.sh, sent explicitly")
		for _, name := range []string{"S3BucketStack", "LifeCycleBucket"} {
			r.want(name, false, "storage.bucket.name", "lifecycle bucket %s is brought", s.Bucket.Name)
		}
	case c.Orchestrator == spec.Slurm:
		// The Slurm bucket is made inside the lifecycle-script stack, or by a
		// stack of its own without the scripts.
		r.want("LifeCycleBucket", lcs, "storage.bucket", "%s", map[bool]string{true: newBucket, false: "no lifecycle scripts: S3BucketStack makes the bucket"}[lcs])
		r.want("S3BucketStack", !lcs, "storage.bucket", "%s", map[bool]string{true: "the bucket is made inside LifeCycleScriptStack", false: newBucket + ", empty, for your own scripts"}[lcs])
		r.setIf("OnCreatePath", s.Bucket.OnCreatePath, "storage.bucket.onCreatePath")
	default:
		r.want("S3BucketStack", true, "storage.bucket", "%s", newBucket)
	}
	r.toggle("CreateLifeCycleScriptStack", lcs, "storage.lifecycleScripts", "lifecycle scripts are uploaded unless switched off")
	if lcs {
		r.want("LifeCycleScriptStack", true, "storage.lifecycleScripts", "uploads the lifecycle scripts to the bucket")
	} else {
		r.want("LifeCycleScriptStack", false, "storage.lifecycleScripts", "storage.lifecycleScripts is false")
	}
}

// ownScripts maps the user's own lifecycle folder: the bucket is brought
// (the spec's, or one hpctl makes before the stacks, since the scripts
// must be in it before the cluster starts), the hosted scripts are off, and
// OnCreatePath points the groups at the uploaded folder.
func (r *resolver) ownScripts(own *Scripts) {
	c := r.c
	from := "storage.bucket.name"
	why := fmt.Sprintf("lifecycle bucket %s is brought", own.Bucket)
	if own.MakeBucket {
		from, why = "storage.lifecycleScripts.dir", fmt.Sprintf("hpctl makes %s first, for your scripts", own.Bucket)
	}
	r.toggle("CreateS3BucketStack", false, from, why)
	r.set("S3BucketName", own.Bucket, from, map[bool]string{true: "made by hpctl for your lifecycle scripts"}[own.MakeBucket])
	r.set("OnCreatePath", own.onCreatePath(c.OwnScripts()), "storage.lifecycleScripts.onCreate", "in the folder hpctl uploads")
	for _, name := range []string{"S3BucketStack", "LifeCycleBucket"} {
		r.want(name, false, from, "%s", why)
	}
	r.toggle("CreateLifeCycleScriptStack", false, "storage.lifecycleScripts.dir", "your own lifecycle scripts replace the hosted ones")
	r.want("LifeCycleScriptStack", false, "storage.lifecycleScripts.dir", "hpctl uploads your scripts (%s)", c.OwnScripts().Dir)
}

// clusterTags are the user's tags and hpctl's ownership tags, sorted by key.
func (r *resolver) clusterTags() []Tag {
	tags := []Tag{
		{Key: TagCluster, Value: r.c.Metadata.Name},
		{Key: TagOrchestrator, Value: string(r.c.Orchestrator)},
	}
	for k, v := range r.c.Metadata.Tags {
		tags = append(tags, Tag{Key: k, Value: v})
	}
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return tags
}

// stackTags go on the main stack; CloudFormation propagates them to the
// nested stacks and the resources that take tags. Besides the cluster's
// tags they record the main template the deployment runs.
func (r *resolver) stackTags(t Template) []Tag {
	return append(r.clusterTags(), Tag{Key: TagTemplate, Value: t.URL}, Tag{Key: TagTemplateID, Value: TemplateID(t.SHA256, t.Parameters)})
}

// template is where the main template is read from.
func (r *resolver) template() Template {
	t := Locate(r.c, r.region)
	t.Origin = r.main.Origin
	return t
}

// Locate says where the deploy of a spec reads its main template: the
// hosted bucket of the region and stage (under templates.version when
// pinned), or the custom bucket (filled from templates.dir first).
func Locate(c *spec.Cluster, region string) Template {
	cat, err := catalog.For(string(c.Orchestrator))
	if err != nil {
		return Template{}
	}
	key := cat.Prefix + "/" + cat.MainTemplate
	if b := c.Templates.Bucket; b != "" {
		return Template{Source: "custom", Bucket: b, Key: key, URL: BucketURL(b, region, key), UploadDir: c.Templates.Dir}
	}
	if v := string(c.Templates.Version); v != "" {
		key = v + "/" + key
	}
	b := HostedBucket(region, c.Stage())
	return Template{Source: "hosted", Bucket: b, Key: key, URL: BucketURL(b, region, key), Stage: c.Stage(), Version: string(c.Templates.Version)}
}

// paramPath is the spec path that supplies a parameter a skipped stack would
// have fed, with a hint where another way out exists: hpctl's
// required-if-disabled map. A parameter it does not name ("" path) may stay
// empty in place of an output (an optional secret, a config).
func paramPath(o spec.Orchestrator, param string) (path, hint string) {
	switch param {
	case "VpcId":
		return "network.vpc.id", ""
	case "PrivateSubnetIds":
		return "network.vpc.privateSubnetIds", ""
	case "EksPrivateSubnetIds":
		return "network.vpc.eksPrivateSubnetIds", ""
	case "PrivateRouteTableIds":
		return "network.vpc.privateRouteTableIds", "; or set network.s3Endpoint: false"
	case "EksPrivateRouteTableIds":
		return "network.vpc.eksPrivateRouteTableIds", "; or set network.s3Endpoint: false"
	case "SecurityGroupIds", "SecurityGroupId":
		return "network.securityGroup.ids", ""
	case "EKSClusterName":
		return "kubernetes.cluster.existing", ""
	case "S3BucketName":
		return "storage.bucket.name", ""
	case "SageMakerIAMRoleName":
		return "iam.executionRole.name", ""
	case "HyperPodClusterName":
		return "metadata.name", ""
	}
	return "", fmt.Sprintf(" (parameter %s)", param)
}
