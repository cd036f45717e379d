package spec

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// validate checks what a spec says on its own terms: shapes, ranges, enums,
// settings that exclude each other, and settings that belong to the other
// orchestrator. What the hosted templates make of the values (traps,
// required-if-disabled, couplings) is internal/plan's to check.
func (c *Cluster) validate() Diagnostics {
	v := &validator{c: c}
	v.header()
	v.metadata()
	v.templates()
	v.network()
	v.kubernetes()
	v.storage()
	v.iam()
	v.cluster()
	v.slurm()
	v.orchestratorOnly()
	return v.ds
}

type validator struct {
	c  *Cluster
	ds Diagnostics
}

func (v *validator) errf(path, format string, args ...any) {
	v.ds = append(v.ds, v.c.Diag(Error, path, format, args...))
}

func (v *validator) warnf(path, format string, args ...any) {
	v.ds = append(v.ds, v.c.Diag(Warning, path, format, args...))
}

// oneOf reports a value outside its enum, with a suggestion.
func (v *validator) oneOf(path, got string, allowed ...string) {
	if got == "" || slices.Contains(allowed, got) {
		return
	}
	hint := ""
	if best := Closest(got, allowed); best != "" {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	v.errf(path, "%q is not one of %s%s", got, strings.Join(allowed, ", "), hint)
}

// ids checks a list of brought IDs: shape and duplicates.
func (v *validator) ids(path string, ids []string, check func(path, id string)) {
	seen := map[string]int{}
	for i, id := range ids {
		p := fmt.Sprintf("%s[%d]", path, i)
		if j, dup := seen[id]; dup {
			v.errf(p, "%q is already listed at %s[%d]", id, path, j)
			continue
		}
		seen[id] = i
		check(p, id)
	}
}

func (v *validator) id(kind string, re interface{ MatchString(string) bool }, example string) func(path, id string) {
	return func(path, id string) {
		if !re.MatchString(id) {
			v.errf(path, "%q is not %s (like %s)", id, kind, example)
		}
	}
}

var (
	vpcID    = func(v *validator) func(string, string) { return v.id("a VPC ID", reVPCID, "vpc-0a1b2c3d4e5f67890") }
	subnetID = func(v *validator) func(string, string) {
		return v.id("a subnet ID", reSubnetID, "subnet-0a1b2c3d4e5f67890")
	}
	sgID = func(v *validator) func(string, string) {
		return v.id("a security group ID", reSGID, "sg-0a1b2c3d4e5f67890")
	}
	rtbID = func(v *validator) func(string, string) {
		return v.id("a route table ID", reRTBID, "rtb-0a1b2c3d4e5f67890")
	}
	azID = func(v *validator) func(string, string) { return v.id("an availability zone ID", reAZID, "usw2-az1") }
)

func (v *validator) header() {
	c := v.c
	switch {
	case c.APIVersion == "":
		v.errf("apiVersion", "is required: apiVersion: %s", APIVersion)
	case c.APIVersion != APIVersion:
		v.errf("apiVersion", "%q is not supported; this hpctl reads %s", c.APIVersion, APIVersion)
	}
	switch {
	case c.Kind == "":
		v.errf("kind", "is required: kind: %s", Kind)
	case c.Kind != Kind:
		v.errf("kind", "%q is not supported; the kind is %s", c.Kind, Kind)
	}
	if c.Orchestrator == "" {
		v.errf("orchestrator", "is required: eks or slurm")
	}
	v.oneOf("orchestrator", string(c.Orchestrator), "eks", "slurm")
}

func (v *validator) metadata() {
	m := v.c.Metadata
	switch {
	case m.Name == "":
		v.errf("metadata.name", "is required: the HyperPod cluster name")
	case !reHyperPodName.MatchString(m.Name):
		v.errf("metadata.name", "%q is not a HyperPod cluster name: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit", m.Name)
	}
	if msg := CheckRegion(m.Region); m.Region != "" && msg != "" {
		v.errf("metadata.region", "%s", msg)
	}
	switch {
	case m.StackName != "" && !reStackName.MatchString(m.StackName):
		v.errf("metadata.stackName", "%q is not a stack name: up to 128 letters, digits and hyphens, starting with a letter", m.StackName)
	case v.c.Orchestrator == Slurm && v.c.SSMStack() && len(v.c.StackName()) > 128-len("-ssm"):
		// The SSM companion is a top-level stack named <stack>-ssm.
		v.errf("metadata.stackName", "has %d characters; with ssm the companion stack %s-ssm must fit CloudFormation's 128, so at most %d", len(v.c.StackName()), "<stack>", 128-len("-ssm"))
	}
	if m.Name != "" && reHyperPodName.MatchString(m.Name) {
		v.resourcePrefix()
	}
	if p := m.ResourceShortPrefix; p != "" {
		switch {
		case !rePrefix.MatchString(p):
			v.errf("metadata.resourceShortPrefix", "%q must be lowercase letters, digits and hyphens, starting and ending with a letter or digit", p)
		case len(p) > maxShortPrefix:
			v.errf("metadata.resourceShortPrefix", "has %d characters; the inference stacks name a bucket hyperpod-tls-<prefix>-<8 characters>, so at most %d", len(p), maxShortPrefix)
		}
	}
	v.tags()
}

// Regions lists every region the SDK knows, sorted.
func Regions() []string {
	out := make([]string, 0, len(knownRegions))
	for r := range knownRegions {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// RegionsLike lists the regions of the partition region is in, sorted.
func RegionsLike(region string) []string {
	partition, ok := knownRegions[region]
	if !ok {
		return []string{region}
	}
	var out []string
	for r, p := range knownRegions {
		if p == partition {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// CheckRegion says what is wrong with a region name, or "": it must be one
// the AWS SDK's partition data lists (regions_gen.go).
func CheckRegion(r string) string {
	if _, ok := knownRegions[r]; ok {
		return ""
	}
	if !reRegion.MatchString(r) {
		return fmt.Sprintf("%q is not an AWS region name (like us-west-2)", r)
	}
	hint := ""
	if best := Closest(r, sortedKeys(knownRegions)); best != "" {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	return fmt.Sprintf("%q is not a region AWS has (by the AWS SDK's partition data)%s", r, hint)
}

// maxShortPrefix keeps hyperpod-tls-<short prefix>-<8> within the 63
// characters of a bucket name.
const maxShortPrefix = 63 - len("hyperpod-tls--12345678")

// maxPrefix keeps <prefix>-bucket within the 63 characters of a bucket name.
const maxPrefix = 63 - len("-bucket")

func (v *validator) resourcePrefix() {
	p, path := v.c.ResourcePrefix(), "metadata.resourcePrefix"
	how := ""
	if v.c.Metadata.ResourcePrefix == "" {
		path, how = "metadata.name", fmt.Sprintf("the default resourcePrefix %q ", p)
	}
	switch {
	case !rePrefix.MatchString(p):
		v.errf(path, "%s%q cannot start bucket names: use lower-case letters, digits and hyphens, starting and ending with a letter or digit; set metadata.resourcePrefix", how, p)
	case strings.Contains(p, "--"):
		v.errf(path, "%s%q has two hyphens in a row, which some resource names refuse", how, p)
	case len(p) > maxPrefix:
		v.errf(path, "%s%q is %d characters; the bucket <prefix>-bucket allows at most %d; set a shorter metadata.resourcePrefix", how, p, len(p), maxPrefix)
	default:
		// The bucket stack names <prefix>-bucket and <prefix>-logs.
		for _, b := range []string{p + "-bucket", p + "-logs"} {
			if msg := checkBucketName(b); msg != "" {
				v.errf(path, "%s%q names the bucket %s, and %s; set another metadata.resourcePrefix", how, p, b, msg)
				return
			}
		}
	}
}

// Tag keys under these prefixes are not the user's to set.
var reservedTagPrefixes = []string{"aws:", "hpctl:"}

// MaxUserTags leaves room for hpctl's ownership tags within AWS's 50.
const MaxUserTags = 48

func (v *validator) tags() {
	tags := v.c.Metadata.Tags
	if len(tags) > MaxUserTags {
		v.errf("metadata.tags", "has %d tags; at most %d, since hpctl adds its 2 ownership tags to AWS's limit of 50", len(tags), MaxUserTags)
	}
	for _, k := range sortedKeys(tags) {
		path, val := "metadata.tags."+Escape(k), tags[k]
		for _, rp := range reservedTagPrefixes {
			if strings.HasPrefix(strings.ToLower(k), rp) {
				v.errf(path, "tag keys starting with %q are reserved", rp)
			}
		}
		switch {
		case k == "":
			v.errf(path, "a tag key cannot be empty")
		case len(k) > 128 || !reTag.MatchString(k):
			v.errf(path, "%q is not a tag key: up to 128 letters, digits, spaces and _.:/=+-@", k)
		case len(val) > 256 || !reTag.MatchString(val):
			v.errf(path, "%q is not a tag value: up to 256 letters, digits, spaces and _.:/=+-@", val)
		}
	}
}

func (v *validator) templates() {
	t := v.c.Templates
	v.oneOf("templates.stage", t.Stage, "prod", "gamma")
	if t.Version != "" && !reVersion.MatchString(string(t.Version)) {
		v.errf("templates.version", "%q is not a version prefix (like 1)", t.Version)
	}
	if t.Bucket != "" {
		if msg := checkBucketName(t.Bucket); msg != "" {
			v.errf("templates.bucket", "%s", msg)
		} else if strings.Contains(t.Bucket, ".") {
			v.errf("templates.bucket", "%q has dots: CloudFormation reads nested templates from https://<bucket>.s3.<region>.amazonaws.com, whose certificate does not cover dotted names", t.Bucket)
		}
		if t.Version != "" {
			v.errf("templates.version", "selects a prefix of the hosted bucket; a custom bucket holds templates/ at its root, the layout CustomBucketName requires")
		}
	}
	if t.Dir != "" && t.Bucket == "" {
		v.errf("templates.dir", "is uploaded to templates.bucket; set templates.bucket too")
	}
	if t.Stage != "" && t.Bucket != "" {
		v.warnf("templates.stage", "has no effect on templates read from templates.bucket")
	}
}

func (v *validator) network() {
	n := v.c.Network
	v.ids("network.availabilityZoneIds", n.AvailabilityZoneIDs, azID(v))
	if len(n.AvailabilityZoneIDs) > 5 {
		v.errf("network.availabilityZoneIds", "lists %d zones; the network templates create subnets in at most 5", len(n.AvailabilityZoneIDs))
	}
	regions := map[string]bool{}
	for _, az := range n.AvailabilityZoneIDs {
		if reAZID.MatchString(az) {
			regions[AZIDRegionPrefix(az)] = true
		}
	}
	if len(regions) > 1 {
		v.errf("network.availabilityZoneIds", "mixes zones of different regions (%s)", strings.Join(sortedKeys(regions), ", "))
	}

	vpc := n.VPC
	if vpc.CIDR != "" && vpc.ID != "" {
		v.errf("network.vpc", "give either cidr (hpctl creates the VPC) or id with its subnets and route tables (you bring it), not both")
	}
	if vpc.CIDR != "" {
		v.vpcCIDR(vpc.CIDR, len(n.AvailabilityZoneIDs))
	}
	if vpc.ID != "" {
		vpcID(v)("network.vpc.id", vpc.ID)
	}
	brought := map[string][]string{
		"privateSubnetIds": vpc.PrivateSubnetIDs, "eksPrivateSubnetIds": vpc.EKSPrivateSubnetIDs,
		"privateRouteTableIds": vpc.PrivateRouteTableIDs, "eksPrivateRouteTableIds": vpc.EKSPrivateRouteTableIDs,
	}
	for _, key := range sortedKeys(brought) {
		path := "network.vpc." + key
		if len(brought[key]) > 0 && vpc.ID == "" {
			v.errf(path, "lists IDs of a VPC you bring; set network.vpc.id too")
		}
		check := subnetID(v)
		if strings.Contains(key, "RouteTable") {
			check = rtbID(v)
		}
		v.ids(path, brought[key], check)
	}

	sg := n.SecurityGroup
	if sg.ID != "" && len(sg.IDs) > 0 {
		v.errf("network.securityGroup", "give id (hpctl adds its rules to that group) or ids (used as they are), not both")
	}
	if sg.ID != "" {
		sgID(v)("network.securityGroup.id", sg.ID)
	}
	v.ids("network.securityGroup.ids", sg.IDs, sgID(v))
}

func (v *validator) vpcCIDR(cidr string, zones int) {
	p, msg := parseVPCCIDR(cidr)
	if msg != "" {
		v.errf("network.vpc.cidr", "%s", msg)
		return
	}
	for _, block := range []string{"172.16.0.0/12", "192.168.0.0/16"} {
		if netip.MustParsePrefix(block).Overlaps(p) {
			v.errf("network.vpc.cidr", "%s is in %s: the private-subnet stack adds secondary blocks from 10.0.0.0/8, which AWS does not associate with such a VPC", cidr, block)
			return
		}
	}
	if !netip.MustParsePrefix("10.0.0.0/8").Overlaps(p) {
		v.errf("network.vpc.cidr", "%s is a public block: the private-subnet stack adds secondary blocks from 10.0.0.0/8 and the VPC should be private too; choose a /16 in 10.0.0.0/8", cidr)
		return
	}
	// The private-subnet stack adds one secondary /16 per zone: 10.1-10.5, or
	// 10.192-10.196 when the primary block is 10.1.0.0/16.
	base := 1
	if cidr == "10.1.0.0/16" {
		base = 192
	}
	for i := 0; i < max(zones, 1); i++ {
		sec := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(base + i), 0, 0}), 16)
		if sec == p {
			v.errf("network.vpc.cidr", "%s is the secondary block the private-subnet stack adds for zone %d; choose another /16", cidr, i+1)
		}
	}
}

func (v *validator) kubernetes() {
	k := v.c.Kubernetes
	if k == nil {
		return
	}
	cl := k.Cluster
	if cl.Existing != "" && (cl.Name != "" || cl.Version != "") {
		v.errf("kubernetes.cluster", "give existing (you bring the EKS cluster) or name and version (hpctl creates it), not both")
	}
	if cl.Existing != "" && !reEKSName.MatchString(cl.Existing) {
		v.errf("kubernetes.cluster.existing", "%q is not an EKS cluster name", cl.Existing)
	}
	if cl.Name != "" && !reEKSName.MatchString(cl.Name) {
		v.errf("kubernetes.cluster.name", "%q is not an EKS cluster name: letters, digits, hyphens and underscores, starting with a letter or digit", cl.Name)
	}
	if cl.Version != "" && !reK8sVersion.MatchString(string(cl.Version)) {
		v.errf("kubernetes.cluster.version", "%q is not a Kubernetes minor version (like \"1.32\")", cl.Version)
	}
	h := k.Helm
	if h.RepoURL != "" {
		if u, err := url.Parse(h.RepoURL); err != nil || u.Scheme != "https" || u.Host == "" {
			v.errf("kubernetes.helm.repoUrl", "%q is not an https:// Git URL", h.RepoURL)
		}
	}
	if strings.HasPrefix(h.RepoPath, "/") {
		v.errf("kubernetes.helm.repoPath", "%q must be relative to the repository root", h.RepoPath)
	}
	if h.Release != "" && (len(h.Release) > 53 || !reK8sNamespace.MatchString(h.Release)) {
		v.errf("kubernetes.helm.release", "%q is not a Helm release name: up to 53 lower-case letters, digits and hyphens", h.Release)
	}
	if h.Namespace != "" && (len(h.Namespace) > 63 || !reK8sNamespace.MatchString(h.Namespace)) {
		v.errf("kubernetes.helm.namespace", "%q is not a Kubernetes namespace", h.Namespace)
	}
	for i, op := range h.Operators {
		if !reHelmSet.MatchString(op) {
			v.errf(fmt.Sprintf("kubernetes.helm.operators[%d]", i), "%q is not a key=value Helm setting (no commas)", op)
		}
	}
	if !On(h.Install, true) && (h.RepoURL != "" || h.RepoPath != "" || h.Release != "" || h.Namespace != "" || len(h.Operators) > 0) {
		v.warnf("kubernetes.helm", "install is false, so the other Helm settings are not used")
	}
}

func (v *validator) storage() {
	s := v.c.Storage
	if s.Bucket.Name != "" {
		if msg := checkBucketName(s.Bucket.Name); msg != "" {
			v.errf("storage.bucket.name", "%s", msg)
		}
	}
	if p := s.Bucket.OnCreatePath; p != "" {
		if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
			v.errf("storage.bucket.onCreatePath", "%q must be an object key such as on_create.sh or scripts/on_create.sh", p)
		}
	}
	v.lifecycleScripts()
	f := s.FSx
	if !f.Enabled() {
		return
	}
	if f.ID != "" {
		v.id("an FSx file system ID", reFSID, "fs-0a1b2c3d4e5f67890")("storage.fsx.id", f.ID)
		for key, set := range map[string]bool{
			"capacityGiB": f.CapacityGiB != 0, "throughputPerTiB": f.ThroughputPerTiB != 0, "deploymentType": f.DeploymentType != "",
			"compression": f.Compression != "", "lustreVersion": f.LustreVersion != "", "subnetId": f.SubnetID != "", "availabilityZoneId": f.AvailabilityZoneID != "",
		} {
			if set {
				v.errf("storage.fsx."+key, "applies to a new file system; storage.fsx.id brings an existing one")
			}
		}
	}
	if f.SubnetID != "" {
		subnetID(v)("storage.fsx.subnetId", f.SubnetID)
	}
	if f.AvailabilityZoneID != "" {
		azID(v)("storage.fsx.availabilityZoneId", f.AvailabilityZoneID)
	}
	v.oneOf("storage.fsx.deploymentType", f.DeploymentType, "PERSISTENT_2", "PERSISTENT_1", "SCRATCH_2", "SCRATCH_1")
	v.oneOf("storage.fsx.compression", f.Compression, "NONE", "LZ4")
	v.oneOf("storage.fsx.lustreVersion", string(f.LustreVersion), "2.15", "2.12", "2.10")
	if f.ID == "" {
		v.fsxSizes(f)
	}
}

// lifecycleScripts checks the user's own folder as written; the folder
// itself is read (and its OnCreate script checked) where files are read,
// beside the spec.
func (v *validator) lifecycleScripts() {
	s := v.c.Storage
	l := s.LifecycleScripts
	if l == nil {
		return
	}
	switch {
	case l.Dir == "" && l.OnCreate != "":
		v.errf("storage.lifecycleScripts.onCreate", "names a script of your own folder: set storage.lifecycleScripts.dir, the folder hpctl uploads")
	case l.Dir != "" && s.Bucket.OnCreatePath != "":
		v.errf("storage.bucket.onCreatePath", "names a script already in the bucket, but storage.lifecycleScripts.dir uploads your own; "+
			"name the script with storage.lifecycleScripts.onCreate instead")
	}
	v.scriptName("storage.lifecycleScripts.onCreate", l.OnCreate)
}

// scriptName checks an OnCreate script: a file of the folder, named as
// ClusterLifeCycleConfig.OnCreate takes it (1 to 128 characters).
func (v *validator) scriptName(path, name string) {
	switch {
	case name == "":
	case len(name) > 128:
		v.errf(path, "is %d characters; ClusterLifeCycleConfig.OnCreate takes at most 128", len(name))
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || slices.Contains(strings.Split(name, "/"), ".."):
		v.errf(path, "%q must name a file inside the folder, such as on_create.sh", name)
	}
}

// fsxSizes refuses sizes written as 0 or less, which the struct cannot
// tell from unset; the plan checks the rest (steps, tiers) with the
// template's defaults standing in for what the spec leaves out.
func (v *validator) fsxSizes(f *FSx) {
	if f.CapacityGiB < 0 || f.CapacityGiB == 0 && v.c.Has("storage.fsx.capacityGiB") {
		v.errf("storage.fsx.capacityGiB", "is %d GiB; FSx for Lustre makes 1200, 2400 or a multiple of 2400 GiB", f.CapacityGiB)
	}
	if f.ThroughputPerTiB < 0 || f.ThroughputPerTiB == 0 && v.c.Has("storage.fsx.throughputPerTiB") {
		v.errf("storage.fsx.throughputPerTiB", "is %d MB/s per TiB; PERSISTENT_2 offers 125, 250, 500 or 1000, PERSISTENT_1 50, 100 or 200", f.ThroughputPerTiB)
	}
}

func (v *validator) iam() {
	name := v.c.IAM.ExecutionRole.Name
	switch {
	case name == "":
	case strings.HasPrefix(name, "arn:"):
		v.errf("iam.executionRole.name", "give the role name, not its ARN: the cluster Lambda builds arn:aws:iam::<account>:role/<name> itself")
	case strings.Contains(name, "/"):
		v.errf("iam.executionRole.name", "%q has a path; the cluster Lambda builds the ARN without one, so only roles at path / work", name)
	case !reRoleName.MatchString(name):
		v.errf("iam.executionRole.name", "%q is not an IAM role name", name)
	}
}

func (v *validator) cluster() {
	h := v.c.Cluster
	v.oneOf("cluster.nodeRecovery", h.NodeRecovery, "Automatic", "None")
	v.oneOf("cluster.nodeProvisioningMode", h.NodeProvisioningMode, "Continuous")
	v.oneOf("cluster.autoScaler", h.AutoScaler, "Karpenter")

	groups := len(h.InstanceGroups)
	switch {
	case h.Creates() && groups == 0 && len(h.RestrictedInstanceGroups) == 0:
		v.errf("cluster.instanceGroups", "at least one instance group is required to create the cluster")
	case !h.Creates() && (groups > 0 || len(h.RestrictedInstanceGroups) > 0):
		v.errf("cluster.create", "is false, so the instance groups would not be used; remove them or create the cluster")
	}
	if groups > 20 {
		v.errf("cluster.instanceGroups", "has %d groups; the main stack has 20 slots (InstanceGroupSettings1..20)", groups)
	}
	if n := len(h.RestrictedInstanceGroups); n > 20 {
		v.errf("cluster.restrictedInstanceGroups", "has %d groups; the main stack has 20 slots (RigSettings1..20)", n)
	}

	names := map[string]string{}
	name := func(path, n string) {
		switch {
		case n == "":
			v.errf(path, "is required")
		case !reHyperPodName.MatchString(n):
			v.errf(path, "%q is not an instance group name: 1 to 63 letters, digits and hyphens", n)
		case names[n] != "":
			v.errf(path, "%q is already the name of %s", n, names[n])
		default:
			names[n] = parentPath(path)
		}
	}
	roles := map[string][]int{}
	for i, g := range h.InstanceGroups {
		p := fmt.Sprintf("cluster.instanceGroups[%d]", i)
		name(p+".name", g.Name)
		v.groupCommon(p, g.InstanceType, g.Count, g.ThreadsPerCore, g.EBSVolumeGiB, g.TrainingPlanARN)
		if g.TargetAvailabilityZoneID != "" {
			azID(v)(p+".targetAvailabilityZoneId", g.TargetAvailabilityZoneID)
		}
		v.oneOf(p+".type", g.Type, "Controller", "Login", "Compute")
		v.ids(p+".deepHealthChecks", g.DeepHealthChecks, func(path, c string) {
			v.oneOf(path, c, "InstanceStress", "InstanceConnectivity")
		})
		roles[g.Type] = append(roles[g.Type], i)
		if l := g.Lifecycle; l != nil {
			switch {
			case v.c.OwnScripts() == nil:
				v.errf(p+".lifecycle", "a group's own scripts go with storage.lifecycleScripts.dir, the folder hpctl uploads; set it too")
			case l.Dir == "" && l.OnCreate == "":
				v.errf(p+".lifecycle", "needs dir, onCreate or both; leave it out to use storage.lifecycleScripts")
			}
			v.scriptName(p+".lifecycle.onCreate", l.OnCreate)
		}
	}
	for i, g := range h.RestrictedInstanceGroups {
		p := fmt.Sprintf("cluster.restrictedInstanceGroups[%d]", i)
		name(p+".name", g.Name)
		v.groupCommon(p, g.InstanceType, g.Count, g.ThreadsPerCore, g.EBSVolumeGiB, g.TrainingPlanARN)
		if g.FSxLustre != nil && g.FSxLustre.SizeGiB <= 0 {
			v.errf(p+".fsxLustre.sizeGiB", "is required and must be positive")
		}
	}
	if v.c.Orchestrator == Slurm && h.Creates() && groups > 0 {
		v.slurmRoles(roles)
	}
}

// Limits of the SageMaker API (ClusterInstanceGroupSpecification.InstanceCount,
// ClusterEbsVolumeConfig.VolumeSizeInGB), from its API reference.
const (
	maxInstanceCount = 6758
	maxEBSGiB        = 16384
)

func (v *validator) groupCommon(p, instanceType string, count *int, threads, ebs int, plan string) {
	switch {
	case instanceType == "":
		v.errf(p+".instanceType", "is required (like ml.g5.8xlarge)")
	case !reInstanceType.MatchString(instanceType):
		v.errf(p+".instanceType", "%q is not a HyperPod instance type: they start with ml. (like ml.g5.8xlarge)", instanceType)
	default:
		if problem := instanceTypeProblem(instanceType); problem != "" {
			v.errf(p+".instanceType", "%s", problem)
		}
	}
	switch {
	case count == nil:
		v.errf(p+".count", "is required")
	case *count < 0 || *count > maxInstanceCount:
		v.errf(p+".count", "%d is out of range: SageMaker takes 0 to %d instances per group", *count, maxInstanceCount)
	}
	// 0 is "not written" in the struct; a written 0 is a mistake too.
	if (threads != 1 && threads != 2) && (threads != 0 || v.c.Has(p+".threadsPerCore")) {
		v.errf(p+".threadsPerCore", "is %d; it must be 1 (no hyperthreading) or 2", threads)
	}
	if ebs < 1 && v.c.Has(p+".ebsVolumeGiB") || ebs > maxEBSGiB {
		v.errf(p+".ebsVolumeGiB", "is %d GiB; SageMaker takes 1 to %d", ebs, maxEBSGiB)
	}
	if plan != "" && !reTrainingPlan.MatchString(plan) {
		v.errf(p+".trainingPlanArn", "%q is not a SageMaker training plan ARN", plan)
	}
}

// slurmRoles applies the cluster Lambda's rule: exactly one Controller group,
// at most one Login group, every group typed.
func (v *validator) slurmRoles(roles map[string][]int) {
	for _, i := range roles[""] {
		v.errf(fmt.Sprintf("cluster.instanceGroups[%d].type", i), "is required for Slurm: Controller, Login or Compute")
	}
	switch c := roles["Controller"]; {
	case len(c) == 0:
		v.errf("cluster.instanceGroups", "a Slurm cluster needs exactly one group of type Controller")
	case len(c) > 1:
		v.errf(fmt.Sprintf("cluster.instanceGroups[%d].type", c[1]), "a Slurm cluster has exactly one Controller group; instanceGroups[%d] is one already", c[0])
	}
	if l := roles["Login"]; len(l) > 1 {
		v.errf(fmt.Sprintf("cluster.instanceGroups[%d].type", l[1]), "a Slurm cluster has at most one Login group; instanceGroups[%d] is one already", l[0])
	}
}

// slurm checks the Slurm section: a brought accounting database needs both
// its endpoint and its secret (the cluster Lambda silently drops one
// without the other), and takes none of a new database's settings.
func (v *validator) slurm() {
	s := v.c.Slurm
	if s == nil {
		return
	}
	v.oneOf("slurm.configStrategy", s.ConfigStrategy, "Overwrite", "Managed", "Merge")
	a := s.AccountingDatabase
	if a == nil {
		return
	}
	if a.InstanceClass != "" && !reDBClass.MatchString(a.InstanceClass) {
		v.errf("slurm.accountingDatabase.instanceClass", "%q is not an RDS instance class (like db.m5.large)", a.InstanceClass)
	}
	if a.SecretARN != "" && !reSecretARN.MatchString(a.SecretARN) {
		v.errf("slurm.accountingDatabase.secretArn", "%q is not a Secrets Manager secret ARN", a.SecretARN)
	}
	if a.Port != 0 && (a.Port < 1150 || a.Port > 65535) {
		v.errf("slurm.accountingDatabase.port", "%d is not a port RDS for MariaDB listens on (1150 to 65535)", a.Port)
	}
	if a.StorageGiB != 0 && (a.StorageGiB < 20 || a.StorageGiB > 65536) {
		v.errf("slurm.accountingDatabase.storageGiB", "%d GiB: RDS for MariaDB takes 20 to 65536", a.StorageGiB)
	}
	if !a.Brought() {
		return
	}
	switch {
	case a.Endpoint == "":
		v.errf("slurm.accountingDatabase.endpoint", "is required with secretArn: the cluster Lambda drops a database without its endpoint")
	case a.SecretARN == "":
		v.errf("slurm.accountingDatabase.secretArn", "is required with endpoint: the cluster Lambda drops a database without its secret")
	}
	for key, set := range map[string]bool{"instanceClass": a.InstanceClass != "", "storageGiB": a.StorageGiB != 0,
		"identifier": a.Identifier != "", "username": a.Username != ""} {
		if set {
			v.errf("slurm.accountingDatabase."+key, "applies to a new database; endpoint and secretArn bring an existing one")
		}
	}
}

// orchestratorOnly refuses settings that belong to the other orchestrator.
func (v *validator) orchestratorOnly() {
	c := v.c
	var other []string
	switch c.Orchestrator {
	case Slurm:
		other = []string{"kubernetes", "features.inferenceOperator", "cluster.autoScaler", "cluster.restrictedInstanceGroups",
			"network.vpc.eksPrivateSubnetIds", "network.vpc.eksPrivateRouteTableIds", "metadata.resourceShortPrefix"}
	case EKS:
		other = []string{"ssm", "slurm"}
		for i := range c.Cluster.InstanceGroups {
			other = append(other, fmt.Sprintf("cluster.instanceGroups[%d].type", i))
		}
	default:
		return
	}
	for _, p := range other {
		if c.Has(p) {
			v.errf(p, "applies to %s only; this spec's orchestrator is %s", otherOrchestrator(c.Orchestrator), c.Orchestrator)
		}
	}
}

func otherOrchestrator(o Orchestrator) Orchestrator {
	if o == EKS {
		return Slurm
	}
	return EKS
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
