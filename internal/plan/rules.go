package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hpctl/hpctl/internal/spec"
)

// trap explains, in spec terms, why the template would not create a stack
// the spec asks for.
func (r *resolver) trap(stack string) (path, msg string) {
	switch {
	case stack == "HyperPodClusterStack" && r.c.Orchestrator == spec.EKS:
		return "kubernetes.helm.install", "the hosted template silently skips the HyperPod cluster when it creates a new EKS " +
			"cluster without the Helm chart; install the chart, bring an EKS cluster (kubernetes.cluster.existing), " +
			"or set cluster.create: false"
	case stack == "ObservabilityCustomStack":
		s, _ := r.cat.Stack(stack)
		res, _ := r.tpl.Resource(s.LogicalIDs[len(s.LogicalIDs)-1])
		if regions := r.tpl.Regions(res.Condition); len(regions) > 0 && !slices.Contains(regions, r.region) {
			return "features.observability", fmt.Sprintf("observability is not available in %s: the template creates it only in %s",
				r.region, strings.Join(regions, ", "))
		}
	}
	return "", ""
}

// rules are the checks that are not a stack the template would skip or a
// coupling: known traps of the hosted templates, values that would fail deep
// in a nested stack, and hazards worth a warning.
func (r *resolver) rules(p *Plan) {
	created := func(name string) bool { s, _ := p.Stack(name); return s.Action == Create }
	r.zones(created)
	r.placeholdersInValues(p)
	r.lifecycle(created)
	r.fsxRules(p, created)
	r.singleValued(p)
	r.accountingRules(created)
	if r.c.Orchestrator == spec.EKS {
		r.eksRules(created)
	}
	if r.c.Orchestrator == spec.Slurm && created("SSMStack") {
		r.warnf("ssm", "the SSM stack exports the fixed name SlurmSsmTemplate-SSMDocumentName: one such stack per account and region")
	}
}

// zones checks availability zone IDs against the region and against each other.
func (r *resolver) zones(created func(string) bool) {
	n := r.c.Network
	want := spec.AZIDPrefix(r.region)
	check := func(path, az string) {
		if got := spec.AZIDRegionPrefix(az); want != "" && got != want && !r.hasError(path) {
			r.errf(path, "%s is a zone of another region: zone IDs of %s start with %s-", az, r.region, want)
		}
	}
	for i, az := range n.AvailabilityZoneIDs {
		check(fmt.Sprintf("network.availabilityZoneIds[%d]", i), az)
	}
	if f := r.c.Storage.FSx; f.Enabled() && f.AvailabilityZoneID != "" {
		check("storage.fsx.availabilityZoneId", f.AvailabilityZoneID)
		if created("VPCStack") && len(n.AvailabilityZoneIDs) > 0 && !slices.Contains(n.AvailabilityZoneIDs, f.AvailabilityZoneID) {
			r.errf("storage.fsx.availabilityZoneId", "%s is not one of network.availabilityZoneIds, where the new subnets are", f.AvailabilityZoneID)
		}
	}
	for i, g := range r.c.Cluster.InstanceGroups {
		path := fmt.Sprintf("cluster.instanceGroups[%d].targetAvailabilityZoneId", i)
		if g.TargetAvailabilityZoneID == "" {
			continue
		}
		check(path, g.TargetAvailabilityZoneID)
		if created("VPCStack") && len(n.AvailabilityZoneIDs) > 0 && !slices.Contains(n.AvailabilityZoneIDs, g.TargetAvailabilityZoneID) {
			r.errf(path, "%s is not one of network.availabilityZoneIds: the cluster Lambda would find no subnet there and silently drop the setting", g.TargetAvailabilityZoneID)
		}
	}
	if !created("VPCStack") {
		if len(n.AvailabilityZoneIDs) > 0 {
			r.warnf("network.availabilityZoneIds", "only used when hpctl creates the VPC; the brought subnets decide the zones")
		}
		return
	}
	switch {
	case len(n.AvailabilityZoneIDs) == 0:
		r.errf("network.availabilityZoneIds", "is required when hpctl creates the VPC: the template's default (use2-az1, use2-az2) names zones of us-east-2")
	case r.c.Orchestrator == spec.EKS && created("EKSClusterStack") && len(n.AvailabilityZoneIDs) < 2:
		r.errf("network.availabilityZoneIds", "a new EKS cluster needs subnets in at least 2 zones; list 2 or more")
	}
}

// placeholdersInValues refuses an example ID of the hosted template written
// into the spec: it has the shape of an ID, so nothing else would catch it
// before a nested stack fails.
func (r *resolver) placeholdersInValues(p *Plan) {
	examples := map[string]bool{}
	for _, d := range r.cat.Params {
		for _, v := range strings.Split(d.Default, ",") {
			if d.Placeholder && strings.HasSuffix(v, "-1234567890abcdef0") {
				examples[v] = true
			}
		}
	}
	for _, x := range p.Parameters {
		if x.Source != FromSpec {
			continue
		}
		for _, v := range strings.Split(x.Value, ",") {
			if examples[v] {
				r.errf(x.From, "%s is the hosted template's placeholder, not a real ID", v)
			}
		}
	}
}

// lifecycle checks the bucket, its scripts and what deleting them does.
func (r *resolver) lifecycle(created func(string) bool) {
	c := r.c
	b := c.Storage.Bucket
	ownScripts := c.Orchestrator == spec.Slurm && created("S3BucketStack")
	switch {
	case b.Name == "" && b.OnCreatePath != "" && !ownScripts:
		r.errf("storage.bucket.onCreatePath", "applies to a brought bucket, or to a new Slurm bucket without lifecycleScripts: the template runs on_create.sh from the bucket it fills")
	case ownScripts && b.OnCreatePath == "":
		r.warnf("storage.lifecycleScripts", "the new bucket %s-bucket starts empty and no storage.bucket.onCreatePath is set: the instance groups get no lifecycle "+
			"configuration; upload your scripts and set onCreatePath", c.ResourcePrefix())
	case ownScripts:
		r.warnf("storage.bucket.onCreatePath", "the new bucket %s-bucket starts empty: upload %s to it before the cluster is created (with `aws s3 cp`, once S3BucketStack is up)",
			c.ResourcePrefix(), b.OnCreatePath)
	case c.Orchestrator == spec.Slurm && b.Name != "" && created("LifeCycleScriptStack") && b.OnCreatePath != "" && b.OnCreatePath != "on_create.sh" && r.declares("OnInitCompletePath"):
		r.warnf("storage.bucket.onCreatePath", "with lifecycleScripts the template runs on_create.sh, whatever onCreatePath says")
	}
	if c.Orchestrator == spec.EKS && created("S3BucketStack") && !created("LifeCycleScriptStack") && created("HyperPodClusterStack") {
		r.errf("storage.lifecycleScripts", "the new bucket would be empty, yet the cluster runs on_create.sh from it; keep lifecycleScripts on, or bring a bucket that holds the script")
	}
	if b.Name != "" && created("LifeCycleScriptStack") {
		s, _ := r.cat.Stack("LifeCycleScriptStack")
		switch {
		case s.EmptiesOnDelete != "":
			r.warnf("storage.bucket.name", "LifeCycleScriptStack copies the scripts into %s, and deleting it (hpctl destroy) deletes every object in that bucket, not only the scripts", b.Name)
		case c.Orchestrator == spec.EKS:
			r.warnf("storage.bucket.name", "LifeCycleScriptStack writes on_create.sh at the root of %s, replacing an object of that name, and deletes it with the stack", b.Name)
			if b.OnCreatePath != "" && b.OnCreatePath != "on_create.sh" {
				r.warnf("storage.bucket.onCreatePath", "the cluster runs %s, but LifeCycleScriptStack uploads on_create.sh", b.OnCreatePath)
			}
		}
	}
	// The managed instance policy grants only sagemaker-* buckets; a brought
	// role may rely on it (a created role is granted the bucket by name).
	bucket, path := b.Name, "storage.bucket.name"
	if bucket == "" {
		bucket, path = c.ResourcePrefix()+"-bucket", "metadata.resourcePrefix"
	}
	if c.IAM.ExecutionRole.Name != "" && !strings.HasPrefix(bucket, "sagemaker-") && created("HyperPodClusterStack") {
		r.warnf(path, "the lifecycle bucket %s does not start with sagemaker-: the brought role %s needs its own grant to read it, "+
			"since AmazonSageMakerClusterInstanceRolePolicy covers only sagemaker-* buckets", bucket, c.IAM.ExecutionRole.Name)
	}
}

// fsxRules checks a new file system's settings together, with the template
// defaults standing in for what the spec leaves out.
func (r *resolver) fsxRules(p *Plan, created func(string) bool) {
	f := r.c.Storage.FSx
	if !(created("FsxStack") || created("FsxFilesystemStack")) || f.ID != "" {
		return
	}
	if !created("VPCStack") && f.SubnetID == "" && f.AvailabilityZoneID == "" {
		r.errf("storage.fsx", "needs availabilityZoneId or subnetId with a brought VPC: the template's default zone is use2-az1 (us-east-2)")
	}
	typ, path := p.Value("DeploymentType"), "storage.fsx.deploymentType"
	capacity, _ := strconv.Atoi(p.Value("StorageCapacity"))
	throughput, _ := strconv.Atoi(p.Value("PerUnitStorageThroughput"))
	switch typ {
	case "PERSISTENT_2":
		r.fsxThroughput(throughput, 125, 250, 500, 1000)
	case "PERSISTENT_1":
		r.fsxThroughput(throughput, 50, 100, 200)
	case "SCRATCH_1", "SCRATCH_2":
		if f.ThroughputPerTiB != 0 {
			r.errf("storage.fsx.throughputPerTiB", "does not apply to %s file systems", typ)
		} else {
			// The template sends its default throughput regardless; FSx refuses it for scratch.
			r.errf(path, "%s file systems take no throughput, but the hosted template always sends PerUnitStorageThroughput; use PERSISTENT_2", typ)
		}
	}
	step := 2400
	if typ == "SCRATCH_1" {
		step = 3600
	}
	if capacity != 1200 && capacity != 2400 && capacity%step != 0 {
		r.errf("storage.fsx.capacityGiB", "%d GiB is not a Lustre size for %s: 1200, 2400, or a multiple of %d", capacity, typ, step)
	}
	if typ == "PERSISTENT_2" && p.Value("FileSystemTypeVersion") == "2.10" {
		r.errf("storage.fsx.lustreVersion", "PERSISTENT_2 needs Lustre 2.12 or later")
	}
}

func (r *resolver) fsxThroughput(got int, allowed ...int) {
	if slices.Contains(allowed, got) {
		return
	}
	path := "storage.fsx.throughputPerTiB"
	if r.c.Storage.FSx.ThroughputPerTiB == 0 {
		path = "storage.fsx.deploymentType"
	}
	r.errf(path, "%d MB/s/TiB is not offered for %s; choose one of %s", got, r.value("DeploymentType"), joinInts(allowed))
}

// eksRules are the EKS main stack's traps that are not couplings.
func (r *resolver) eksRules(created func(string) bool) {
	c := r.c
	if c.Cluster.AutoScaler != "" && c.Cluster.NodeProvisioningMode != "Continuous" {
		r.errf("cluster.autoScaler", "Karpenter needs cluster.nodeProvisioningMode: Continuous; without it the cluster Lambda silently ignores AutoScalerType")
	}
	if created("InferenceOperatorMainStack") {
		if c.ExistingEKS() != "" {
			r.warnf("features.inferenceOperator", "with a brought EKS cluster the template passes empty OIDC provider URLs to the inference stack, "+
				"so its IRSA roles cannot be assumed; the cluster must already have an IAM OIDC provider and the roles may need fixing by hand")
		}
		if !created("FsxStack") && !created("FsxK8sIntegrationStack") {
			r.warnf("features.inferenceOperator", "the FSx stack (FsxK8sIntegrationStack) is what associates the EKS OIDC provider the inference roles need; without storage.fsx the inference stack may fail")
		}
		if !created("S3BucketStack") {
			r.warnf("features.inferenceOperator", "the inference TLS bucket logs into %s-logs, which only the S3 bucket stack creates; it must already exist", c.ResourcePrefix())
		}
		// The inference stack of templates before 2026 names a retained bucket
		// <prefix>-tls-<8 hex>; newer ones use the short prefix, which the
		// spec bounds.
		if max := 63 - len("-tls-12345678"); !r.declares("ResourceNameShortPrefix") && len(c.ResourcePrefix()) > max {
			path := "metadata.resourcePrefix"
			if c.Metadata.ResourcePrefix == "" {
				path = "metadata.name"
			}
			r.errf(path, "the inference operator names a bucket %s-tls-<8 hex>, so the prefix may have at most %d characters; it has %d",
				c.ResourcePrefix(), max, len(c.ResourcePrefix()))
		}
	}
	if len(c.Cluster.RestrictedInstanceGroups) > 0 && !created("RigEndpointStack") {
		r.errf("cluster.restrictedInstanceGroups", "internal: restricted groups are set but RigSettings1 does not switch the RIG stacks on")
	}
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// singleValued refuses a comma-separated value where a nested template the
// plan creates takes one String and wraps it in a one-element list (the
// catalog knows which): CloudFormation would fail the resource with one
// invalid ID, after everything before it was built.
func (r *resolver) singleValued(p *Plan) {
	for _, s := range p.Stacks {
		cs, known := r.cat.Stack(s.Name)
		if !known || s.Action != Create || len(cs.SingleValued) == 0 {
			continue
		}
		res, ok := r.tpl.Resource(cs.LogicalIDs[len(cs.LogicalIDs)-1])
		if !ok {
			continue
		}
		params, _ := res.Properties["Parameters"].(map[string]any)
		if params == nil { // the custom resource that makes a top-level stack
			params, _ = res.Properties["StackParameters"].(map[string]any)
		}
		for _, sv := range cs.SingleValued {
			if sv.Unless.Params() != nil && sv.Unless.Eval(r.value, r.region) {
				continue
			}
			v, err := r.ev.Resolve(params[sv.Param])
			if err != nil || !v.Known() || !strings.Contains(v.String(), ",") {
				continue
			}
			for _, from := range v.Refs.Params {
				path, _ := paramPath(r.c.Orchestrator, from)
				if path == "" || !r.supplied(from) {
					continue
				}
				n := len(strings.Split(v.String(), ","))
				r.errf(path, "brings %d values, but %s takes %s as one String and %s: %q would be one invalid ID, and the stack "+
					"would fail only once it is reached; bring one, or leave %s to the template", n, s.Name, sv.Param, sv.Why, v.String(), path)
			}
		}
	}
}

// accountingRules checks what the accounting database's subnet group needs.
func (r *resolver) accountingRules(created func(string) bool) {
	if !created("AccountingDatabaseStack") {
		return
	}
	n := r.c.Network
	switch {
	case created("VPCStack") && len(n.AvailabilityZoneIDs) < 2:
		r.errf("slurm.accountingDatabase", "a new accounting database needs private subnets in at least 2 zones (its RDS subnet group does); "+
			"network.availabilityZoneIds lists %d", len(n.AvailabilityZoneIDs))
	case !created("VPCStack") && len(n.VPC.PrivateSubnetIDs) < 2:
		r.errf("slurm.accountingDatabase", "a new accounting database needs private subnets in at least 2 zones (its RDS subnet group does); "+
			"network.vpc.privateSubnetIds lists %d", len(n.VPC.PrivateSubnetIDs))
	}
	if r.c.Network.SecurityGroup.ID == "" && len(r.c.Network.SecurityGroup.IDs) == 0 && !created("SecurityGroupStack") {
		r.errf("slurm.accountingDatabase", "the database admits the cluster's security group, and there is none")
	}
}
