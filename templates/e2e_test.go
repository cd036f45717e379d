package templates

// End to end through the emulator: every example spec, planned against the
// stand-ins in an emulated template bucket, created with exactly the
// parameters the plan produces, reaches CREATE_COMPLETE with precisely the
// nested stacks the plan creates and a cluster whose instance groups match
// the spec; deleting it leaves the emulator as it was before.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/emulator"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
)

func TestMain(m *testing.M) { os.Exit(emulator.Main(m)) }

const standInBucket = "hpctl-stand-ins"

type rig struct {
	t   *testing.T
	ctx context.Context
	emu *emulator.Emulator
	c   *cloud.Clients
}

func newRig(t *testing.T) *rig {
	emu := emulator.ForTest(t)
	ctx := context.Background()
	c, err := emu.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: ctx, emu: emu, c: c}
	r.bucket(standInBucket)
	objs, err := Objects()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		r.put(standInBucket, o.Key, string(o.Body))
	}
	return r
}

// mustMain is the stand-in main stack the rig deploys.
func mustMain(t *testing.T, orchestrator string) *template.Main {
	t.Helper()
	m, err := Main(orchestrator)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (r *rig) bucket(name string) { r.put(name, "", "") }

// put makes the bucket if needed and, given a key, puts that object.
func (r *rig) put(bucket, key, body string) {
	r.t.Helper()
	objects := map[string]string{}
	if key != "" {
		objects[key] = body
	}
	if err := emulator.Bucket(r.ctx, r.c, bucket, objects); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) create(in *cloudformation.CreateStackInput) string {
	r.t.Helper()
	out, err := r.c.CloudFormation.CreateStack(r.ctx, in)
	if err != nil {
		r.t.Fatalf("create %s: %v", aws.ToString(in.StackName), err)
	}
	return aws.ToString(out.StackId)
}

// settle waits for a stack to leave progress and fails with every failure
// event of the deployment when it ends anywhere but want.
func (r *rig) settle(id string, want cftypes.StackStatus) cftypes.Stack {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := r.c.CloudFormation.DescribeStacks(r.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
		if err != nil {
			r.t.Fatal(err)
		}
		s := out.Stacks[0]
		if !strings.HasSuffix(string(s.StackStatus), "_IN_PROGRESS") {
			if s.StackStatus != want {
				r.t.Fatalf("%s is %s, want %s; failures:\n%s", aws.ToString(s.StackName), s.StackStatus, want, r.failures())
			}
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s still %s", aws.ToString(s.StackName), s.StackStatus)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) failures() string {
	var b strings.Builder
	stacks, _ := r.c.CloudFormation.ListStacks(r.ctx, &cloudformation.ListStacksInput{})
	for _, s := range stacks.StackSummaries {
		ev, err := r.c.CloudFormation.DescribeStackEvents(r.ctx, &cloudformation.DescribeStackEventsInput{StackName: s.StackId})
		if err != nil {
			continue
		}
		for _, e := range ev.StackEvents {
			if strings.HasSuffix(string(e.ResourceStatus), "FAILED") {
				fmt.Fprintf(&b, "  %s/%s %s: %s\n", aws.ToString(s.StackName), aws.ToString(e.LogicalResourceId), e.ResourceStatus, aws.ToString(e.ResourceStatusReason))
			}
		}
	}
	return b.String()
}

func (r *rig) inventory() emulator.Inventory {
	r.t.Helper()
	inv, err := r.emu.Inventory(r.ctx, emulator.Region)
	if err != nil {
		r.t.Fatal(err)
	}
	delete(inv, "stacks") // compared separately: deleted stacks stay listed by name
	return inv
}

// bring makes what the spec brings and rewrites the spec's IDs to them.
func (r *rig) bring(c *spec.Cluster) {
	r.t.Helper()
	if c.Network.VPC.Brought() {
		id := r.create(&cloudformation.CreateStackInput{StackName: aws.String("brought-network"), TemplateBody: aws.String(emulator.BroughtNetwork)})
		out := map[string]string{}
		for _, o := range r.settle(id, cftypes.StackStatusCreateComplete).Outputs {
			out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
		}
		subnets, tables := strings.Split(out["Subnets"], ","), strings.Split(out["Tables"], ",")
		real := map[string]string{}
		take := func(ids []string, pool *[]string) []string {
			var got []string
			for _, fake := range ids {
				if _, ok := real[fake]; !ok {
					real[fake], *pool = (*pool)[0], (*pool)[1:]
				}
				got = append(got, real[fake])
			}
			return got
		}
		v := &c.Network.VPC
		v.ID = out["Vpc"]
		v.PrivateSubnetIDs, v.EKSPrivateSubnetIDs = take(v.PrivateSubnetIDs, &subnets), take(v.EKSPrivateSubnetIDs, &subnets)
		v.PrivateRouteTableIDs, v.EKSPrivateRouteTableIDs = take(v.PrivateRouteTableIDs, &tables), take(v.EKSPrivateRouteTableIDs, &tables)
		if len(c.Network.SecurityGroup.IDs) > 0 {
			c.Network.SecurityGroup.IDs = []string{out["Group"]}
		}
		if f := c.Storage.FSx; f.Enabled() && f.SubnetID != "" {
			f.SubnetID = real[f.SubnetID]
		}
		if k := c.Kubernetes; k != nil && k.Cluster.Existing != "" {
			name := k.Cluster.Existing
			if err := emulator.BringEKS(r.ctx, r.c, name, strings.Split(out["Subnets"], ",")[:2]); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	if b := c.Storage.Bucket; b.Name != "" {
		r.bucket(b.Name)
		key := b.OnCreatePath
		if key == "" {
			key = "on_create.sh"
		}
		r.put(b.Name, key, "#!/bin/bash\n# the user's own script\n")
		r.put(b.Name, "keep/me.txt", "the user's data")
	}
}

func (r *rig) objects(bucket string) []string {
	keys, err := emulator.Keys(r.ctx, r.c, bucket)
	if err != nil {
		r.t.Fatal(err)
	}
	return keys
}

func TestExamplesDeployAndDeleteOnTheEmulator(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 5 {
		t.Fatalf("%d examples", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := newRig(t)
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, ds := spec.Load(file, data)
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			r.bring(c)
			c.Templates = spec.Templates{Bucket: standInBucket}
			p, ds := plan.Resolve(c, plan.Options{Region: emulator.Region, Main: mustMain(t, string(c.Orchestrator))})
			if ds.HasErrors() {
				t.Fatal(ds.Errors())
			}
			// The user's own scripts are uploaded by hpctl's deploy before the
			// stacks run (into a bucket it makes, when the spec brings none).
			if s := p.Scripts; s != nil {
				r.put(s.Bucket, s.Folders[0].Prefix+"on_create.sh", "#!/bin/bash\n")
			}
			before := r.inventory()
			var broughtObjects []string
			if b := c.Storage.Bucket.Name; b != "" {
				broughtObjects = r.objects(b)
			}

			ids := r.deploy(p)
			r.checkStacks(p, ids[0])
			r.checkCluster(c, p)

			for _, id := range ids {
				if _, err := r.c.CloudFormation.DeleteStack(r.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
					t.Fatal(err)
				}
				r.settle(id, cftypes.StackStatusDeleteComplete)
			}
			after := r.inventory()
			// The observability stack's new Prometheus workspace has
			// DeletionPolicy Retain, as the hosted one does: one is left.
			if p.Value("EnableObservabilityFeature") == "true" && p.Value("CreatePrometheusWorkspace") == "true" {
				if kept := after["prometheusWorkspaces"]; len(kept) != len(before["prometheusWorkspaces"])+1 {
					t.Errorf("the observability stack kept %v workspaces, want one more than %v", kept, before["prometheusWorkspaces"])
				}
				after["prometheusWorkspaces"] = before["prometheusWorkspaces"]
			}
			// The accounting database has DeletionPolicy Snapshot, as the
			// hosted one does: its final snapshot is left.
			if p.Value("CreateAccountingDatabase") == "true" {
				if kept := after["dbSnapshots"]; len(kept) != len(before["dbSnapshots"])+1 {
					t.Errorf("the accounting database left %v snapshots, want one more than %v", kept, before["dbSnapshots"])
				}
				after["dbSnapshots"] = before["dbSnapshots"]
			}
			// HyperPod keeps its cluster's log group of the nodes'
			// lifecycle logs after the cluster: one is left.
			if c.Cluster.Creates() {
				var logs []string
				for _, g := range after["logGroups"] {
					if !strings.HasPrefix(g, "/aws/sagemaker/Clusters/"+c.Metadata.Name+"/") {
						logs = append(logs, g)
					}
				}
				after["logGroups"] = logs
			}
			for kind, items := range after {
				if !slices.Equal(items, before[kind]) {
					t.Errorf("after the delete, %s are %v; before the deploy they were %v", kind, items, before[kind])
				}
			}
			if b := c.Storage.Bucket.Name; b != "" && !slices.Equal(r.objects(b), broughtObjects) {
				t.Errorf("the brought bucket %s holds %v, it held %v", b, r.objects(b), broughtObjects)
			}
		})
	}
}

// createMain starts the main stack's create with exactly the plan's
// parameters and capabilities, and returns its ID.
func (r *rig) createMain(p *plan.Plan, tags []cftypes.Tag) string {
	r.t.Helper()
	var params []cftypes.Parameter
	for _, x := range p.Sent() {
		params = append(params, cftypes.Parameter{ParameterKey: aws.String(x.Name), ParameterValue: aws.String(x.Value)})
	}
	var caps []cftypes.Capability
	for _, c := range p.Capabilities {
		caps = append(caps, cftypes.Capability(c))
	}
	return r.create(&cloudformation.CreateStackInput{StackName: aws.String(p.StackName), TemplateURL: aws.String(p.Template.URL),
		Parameters: params, Capabilities: caps, Tags: tags})
}

// deploy creates the main stack with exactly the plan's parameters, and the
// companion stacks the plan creates; it returns their IDs, main first.
func (r *rig) deploy(p *plan.Plan) []string {
	r.t.Helper()
	var tags []cftypes.Tag
	for _, tg := range p.Tags {
		tags = append(tags, cftypes.Tag{Key: aws.String(tg.Key), Value: aws.String(tg.Value)})
	}
	ids := []string{r.createMain(p, tags)}
	cat, _ := catalog.For(p.Orchestrator)
	for _, s := range p.Created() {
		if s.Kind == catalog.Companion {
			cs, _ := cat.Stack(s.Name)
			url := plan.BucketURL(p.Template.Bucket, p.Region, cat.Prefix+"/"+cs.Template)
			ids = append(ids, r.create(&cloudformation.CreateStackInput{StackName: aws.String(s.TopLevelName), TemplateURL: aws.String(url), Tags: tags}))
		}
	}
	for _, id := range ids {
		r.settle(id, cftypes.StackStatusCreateComplete)
	}
	return ids
}

func (r *rig) checkStacks(p *plan.Plan, mainID string) {
	r.t.Helper()
	var want, got []string
	for _, s := range p.Created() {
		if s.Kind == catalog.Nested {
			want = append(want, s.LogicalIDs...)
		}
	}
	out, err := r.c.CloudFormation.ListStackResources(r.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(mainID)})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, res := range out.StackResourceSummaries {
		if aws.ToString(res.ResourceType) == "AWS::CloudFormation::Stack" && res.ResourceStatus == cftypes.ResourceStatusCreateComplete {
			got = append(got, aws.ToString(res.LogicalResourceId))
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		r.t.Errorf("nested stacks %v, the plan creates %v", got, want)
	}
	for _, s := range p.Created() {
		if s.Kind == catalog.CustomResource {
			d, err := r.c.CloudFormation.DescribeStacks(r.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(s.TopLevelName)})
			if err != nil || d.Stacks[0].StackStatus != cftypes.StackStatusCreateComplete {
				r.t.Errorf("%s: %v", s.TopLevelName, err)
			}
		}
	}
}

func (r *rig) checkCluster(c *spec.Cluster, p *plan.Plan) {
	r.t.Helper()
	if s, _ := p.Stack("HyperPodClusterStack"); s.Action != plan.Create {
		return
	}
	d, err := r.c.SageMaker.DescribeCluster(r.ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(c.Metadata.Name)})
	if err != nil {
		r.t.Fatal(err)
	}
	if d.ClusterStatus != smtypes.ClusterStatusInservice {
		r.t.Errorf("cluster %s", d.ClusterStatus)
	}
	got := map[string]smtypes.ClusterInstanceGroupDetails{}
	for _, g := range d.InstanceGroups {
		got[aws.ToString(g.InstanceGroupName)] = g
	}
	if len(got) != len(c.Cluster.InstanceGroups) {
		r.t.Errorf("cluster groups %v, spec has %d", got, len(c.Cluster.InstanceGroups))
	}
	for _, g := range c.Cluster.InstanceGroups {
		cg, ok := got[g.Name]
		switch {
		case !ok:
			r.t.Errorf("group %s is not in the cluster", g.Name)
		case string(cg.InstanceType) != g.InstanceType || aws.ToInt32(cg.TargetCount) != int32(*g.Count) ||
			aws.ToInt32(cg.ThreadsPerCore) != int32(g.Threads()):
			r.t.Errorf("group %s is %s × %d (threads %d), spec says %s × %d", g.Name, cg.InstanceType, aws.ToInt32(cg.TargetCount),
				aws.ToInt32(cg.ThreadsPerCore), g.InstanceType, *g.Count)
		case cg.LifeCycleConfig == nil || !strings.HasPrefix(aws.ToString(cg.LifeCycleConfig.SourceS3Uri), "s3://sagemaker-"):
			r.t.Errorf("group %s has no lifecycle config from the lifecycle bucket: %+v", g.Name, cg.LifeCycleConfig)
		}
	}
	if c.Orchestrator == spec.EKS && (d.Orchestrator == nil || d.Orchestrator.Eks == nil) {
		r.t.Error("an EKS cluster names its EKS cluster")
	}
	if c.Orchestrator == spec.Slurm {
		// The cluster Lambda writes it next to the OnCreate script.
		key := path.Join(path.Dir(p.Value("OnCreatePath")), "provisioning_parameters.json")
		template, err := r.c.S3.GetObject(r.ctx, &s3.GetObjectInput{Bucket: aws.String(p.ResourcePrefix + "-bucket"), Key: aws.String(key)})
		if c.Storage.Bucket.Name == "" {
			if err != nil {
				r.t.Fatalf("%s: %v", key, err)
			}
			body, _ := io.ReadAll(template.Body)
			if !strings.Contains(string(body), `"controller_group": "controller"`) {
				r.t.Errorf("%s: %s", key, body)
			}
		}
	}
}

// A failure injected two levels down in the real stand-ins: the resource
// fails with its reason, its nested stack and the main stack say so in
// CloudFormation's words, both roll back, and nothing is left.
func TestInjectedFailureRollsBackTheStandIns(t *testing.T) {
	r := newRig(t)
	reason := "InvalidSubnet.Range: The CIDR '10.192.176.0/20' is invalid."
	if err := r.emu.Configure(r.ctx, emulator.Settings{Failures: []emulator.Failure{
		{Stack: "*-PrivateSubnetStack-*", LogicalID: "PrivateSubnet2", Reason: reason}}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("../examples/eks-quickstart.yaml")
	c, _ := spec.Load("eks-quickstart.yaml", data)
	c.Templates = spec.Templates{Bucket: standInBucket}
	p, ds := plan.Resolve(c, plan.Options{Region: emulator.Region, Main: mustMain(t, string(c.Orchestrator))})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	before := r.inventory()
	id := r.createMain(p, nil)
	r.settle(id, cftypes.StackStatusRollbackComplete)

	events := func(stack string) []string {
		var out []string
		p := cloudformation.NewDescribeStackEventsPaginator(r.c.CloudFormation, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
		for p.HasMorePages() {
			page, err := p.NextPage(r.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.StackEvents {
				out = append(out, fmt.Sprintf("%s %s %s", aws.ToString(e.LogicalResourceId), e.ResourceStatus, aws.ToString(e.ResourceStatusReason)))
			}
		}
		slices.Reverse(out)
		return out
	}
	main := events(id)
	var child string
	list, _ := r.c.CloudFormation.ListStacks(r.ctx, &cloudformation.ListStacksInput{})
	for _, s := range list.StackSummaries {
		if strings.Contains(aws.ToString(s.StackName), "-PrivateSubnetStack-") {
			child = aws.ToString(s.StackId)
		}
	}
	for _, want := range []struct {
		events []string
		line   string
	}{
		{events(child), "PrivateSubnet2 CREATE_FAILED " + reason},
		// The resources in flight beside it are cancelled, and CloudFormation
		// lists them among the failed ones.
		{events(child), "ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [*PrivateSubnet2*]. Rollback requested by user."},
		{events(child), "ROLLBACK_COMPLETE"},
		{main, "PrivateSubnetStack CREATE_FAILED Embedded stack " + child + " was not successfully created: The following resource(s) failed to create: [*PrivateSubnet2*]. "},
		{main, "ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [PrivateSubnetStack]. Rollback requested by user."},
		{main, "VPCStack DELETE_COMPLETE"},
		{main, "ROLLBACK_COMPLETE"},
	} {
		if !slices.ContainsFunc(want.events, func(l string) bool { return matches(l, want.line) }) {
			t.Errorf("no event %q in:\n  %s", want.line, strings.Join(want.events, "\n  "))
		}
	}
	after := r.inventory()
	for kind, items := range after {
		if !slices.Equal(items, before[kind]) {
			t.Errorf("after the rollback, %s are %v; before they were %v", kind, items, before[kind])
		}
	}
}

// The hosted fsx-filesystem template's shape trap, reproduced by the
// stand-ins on the emulator: two brought security groups reach
// AWS::FSx::FileSystem as one invalid ID, and the file system fails after
// the stacks before it were built. (hpctl's plan refuses such a spec; this
// deploys the stand-ins directly to show that the trap is real.)
func TestTwoBroughtSecurityGroupsBreakTheNewFileSystem(t *testing.T) {
	r := newRig(t)
	data, _ := os.ReadFile("../examples/eks-existing-vpc.yaml")
	c, _ := spec.Load("eks-existing-vpc.yaml", data)
	r.bring(c)
	second := r.create(&cloudformation.CreateStackInput{StackName: aws.String("second-group"), TemplateBody: aws.String(
		"Parameters: {Vpc: {Type: String}}\nResources:\n  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: second, VpcId: !Ref Vpc}}\n" +
			"Outputs:\n  Group: {Value: !GetAtt Group.GroupId}\n"),
		Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Vpc"), ParameterValue: aws.String(c.Network.VPC.ID)}}})
	group := aws.ToString(r.settle(second, cftypes.StackStatusCreateComplete).Outputs[0].OutputValue)
	c.Templates = spec.Templates{Bucket: standInBucket}
	p, ds := plan.Resolve(c, plan.Options{Region: emulator.Region, Main: mustMain(t, "eks")})
	if ds.HasErrors() {
		t.Fatal(ds.Errors())
	}
	two := c.Network.SecurityGroup.IDs[0] + "," + group
	var params []cftypes.Parameter
	for _, x := range p.Sent() {
		if x.Name == "SecurityGroupIds" {
			x.Value = two
		}
		params = append(params, cftypes.Parameter{ParameterKey: aws.String(x.Name), ParameterValue: aws.String(x.Value)})
	}
	id := r.create(&cloudformation.CreateStackInput{StackName: aws.String(p.StackName), TemplateURL: aws.String(p.Template.URL),
		Parameters: params, Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityAutoExpand, cftypes.CapabilityCapabilityNamedIam}})
	r.settle(id, cftypes.StackStatusRollbackComplete)
	if got := r.failures(); !strings.Contains(got, "FSxLustreFileSystem") || !strings.Contains(got, "Value '"+two+"' at 'securityGroupIds.1.member' failed to satisfy constraint") {
		t.Errorf("the file system did not fail on the one-String security groups:\n%s", got)
	}
}

// A bucket out of step with its main template: a nested template of an
// older sync (it lacks parameters the main passes), or no Lambda code. The
// plan, reading the bucket over S3, names the object and the spec line;
// deployed anyway, the emulator fails the same way CloudFormation does,
// after the stacks before it were built.
func TestOutOfStepBucketsArePlanErrorsAndFailOnTheEmulator(t *testing.T) {
	older := func(body string) string {
		for _, name := range []string{"NodeProvisioningMode", "AccountingDatabaseConfig", "OnInitCompletePath"} {
			body = regexp.MustCompile(`(?m)^  `+name+`:\n(    .*\n)+`).ReplaceAllString(body, "")
		}
		return body
	}
	cluster := "templates-slurm/slurm-hyperpod-cluster-template.yaml"
	for _, tc := range []struct {
		name     string
		spoil    func(r *rig)
		plan     string
		deployed string
	}{
		{"nested template of an older sync", func(r *rig) {
			body, err := Read("slurm", "slurm-hyperpod-cluster-template.yaml")
			if err != nil {
				t.Fatal(err)
			}
			r.put(standInBucket, cluster, older(string(body)))
		}, cluster + " does not declare AccountingDatabaseConfig, NodeProvisioningMode, OnInitCompletePath, which HyperPodParamClusterStack is passed",
			"do not exist in the template"},
		{"no Lambda code", func(r *rig) {
			if _, err := r.c.S3.DeleteObject(r.ctx, &s3.DeleteObjectInput{Bucket: aws.String(standInBucket), Key: aws.String("resources/artifacts/hp-lambda-function.zip")}); err != nil {
				t.Fatal(err)
			}
		}, "s3://" + standInBucket + " has no resources/artifacts/hp-lambda-function.zip, the Lambda code of HyperPodParamClusterStack/HpLambdaFunction",
			"HpLambdaFunction CREATE_FAILED: InvalidRequest: Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchKey."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tc.spoil(r)
			data, _ := os.ReadFile("../examples/slurm-quickstart.yaml")
			c, _ := spec.Load("slurm-quickstart.yaml", data)
			c.Templates = spec.Templates{Bucket: standInBucket}
			store := &template.Bucket{S3: r.c.S3, Name: standInBucket, Region: emulator.Region}
			main, err := template.LoadMain(r.ctx, store, "templates-slurm/main-stack-slurm-based-template.yaml", nil)
			if err != nil {
				t.Fatal(err)
			}
			p, ds := plan.Resolve(c, plan.Options{Region: emulator.Region, Main: main})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			found := plan.Consistent(r.ctx, c, p, main)
			if !found.HasErrors() || !strings.Contains(found.Errors()[0].String(), tc.plan) || found.Errors()[0].Path != "templates.bucket" {
				t.Errorf("the plan says:\n%s\nwant %q at templates.bucket", found, tc.plan)
			}

			r.settle(r.createMain(p, nil), cftypes.StackStatusRollbackComplete)
			if got := r.failures(); !strings.Contains(got, tc.deployed) {
				t.Errorf("the deploy failed otherwise:\n%s\nwant %q", got, tc.deployed)
			}
		})
	}
}

// matches reports whether line holds pattern's parts in order, "*" standing
// for any text.
func matches(line, pattern string) bool {
	for _, part := range strings.Split(pattern, "*") {
		i := strings.Index(line, part)
		if i < 0 {
			return false
		}
		line = line[i+len(part):]
	}
	return true
}
