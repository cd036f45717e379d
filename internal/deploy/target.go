package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
	"github.com/hpctl/hpctl/internal/watch"
)

// Target is a deployment as found in AWS: everything a destroy would take
// down, and what it must not touch.
type Target struct {
	StackName string `json:"stack"`
	StackID   string `json:"stackId,omitempty"`
	// Also are the other names looked for (hpctl-NAME) when nothing was found.
	Also []string `json:"also,omitempty"`
	// Near is the cluster of hpctl's deployments nearest the name, when
	// nothing was found.
	Near         string         `json:"near,omitempty"`
	Status       string         `json:"status,omitempty"`
	Orchestrator string         `json:"orchestrator,omitempty"`
	Region       string         `json:"region"`
	Stack        *cftypes.Stack `json:"-"`
	// Owner is "" when the stack carries hpctl's tags for its cluster, else
	// whose it is.
	Owner     string `json:"owner,omitempty"`
	Protected bool   `json:"terminationProtection,omitempty"`
	// Cluster is the HyperPod cluster the stacks made ("" for none), and
	// ClusterState how it stands (nil when it is gone).
	Cluster      string         `json:"cluster,omitempty"`
	ClusterState *watch.Cluster `json:"clusterState,omitempty"`
	// Nested are the nested stacks, in the order CloudFormation deletes them.
	Nested []string `json:"nested,omitempty"`
	// Unknown are the nested stacks hpctl's catalog does not know, with the
	// template's condition for each.
	Unknown []UnknownStack `json:"unknown,omitempty"`
	// Buckets are the buckets the stacks made that destroy empties first.
	Buckets []string `json:"buckets,omitempty"`
	// Companions are the top-level stacks deployed beside the main one.
	Companions []Companion `json:"companions,omitempty"`
	// Hazards are what deleting the stacks does to things the user brought.
	Hazards []Hazard `json:"hazards,omitempty"`
	// Uploads are the lifecycle scripts hpctl uploaded to a brought (or
	// its own) lifecycle bucket.
	Uploads *Uploaded `json:"uploads,omitempty"`
	// Leftovers are what is known to outlive the stacks.
	Leftovers []Leftover `json:"leftovers,omitempty"`
	// resources is every resource of the tree, for the retry of a failure.
	resources []resourceRef
	// wanted is the cluster the spec names ("" when given a stack name).
	wanted string
}

// UnknownStack is a nested stack of a newer template than hpctl knows.
type UnknownStack struct {
	LogicalID string `json:"logicalId"`
	Condition string `json:"condition"`
}

// known reports whether the catalog knows a nested stack of the main stack.
func known(orchestrator, logicalID string) bool {
	cat, err := catalog.For(orchestrator)
	if err != nil {
		return false
	}
	_, ok := cat.ByLogicalID(logicalID)
	return ok
}

// Hazard is a brought thing a hosted template changes on delete.
type Hazard struct {
	Bucket  string `json:"bucket"`
	Message string `json:"message"`
}

// Leftover is something that outlives the stacks, with how to remove it.
type Leftover struct {
	What   string `json:"what"`
	Name   string `json:"name"`
	Remove string `json:"remove"`
	// Verified says hpctl saw it there after the destroy; the others are
	// what the templates leave in services hpctl does not read (IAM, logs).
	Verified bool `json:"verified"`
	// checkStack, checkBucket or checkLogs (a cluster's log groups) is what
	// destroy looks for afterwards.
	checkStack, checkBucket, checkLogs string
}

// resourceRef is one resource of the stack tree.
type resourceRef struct {
	stackID, path, logicalID, typ, physicalID, status, reason string
}

// madeStack reports a custom resource whose physical ID is a stack it made.
func (r resourceRef) madeStack() bool {
	return strings.HasPrefix(r.typ, "Custom::") && strings.Contains(r.physicalID, ":stack/")
}

// Gone reports a target with nothing left to destroy.
func (t *Target) Gone() bool {
	return t.Stack == nil && len(t.Companions) == 0
}

// Find reads a deployment: the main stack, its tree, the cluster, the
// companion stacks. cluster is the spec's cluster name ("" when destroy was
// given a stack name): the ownership tags must name it.
func (d *Deployer) Find(ctx context.Context, stackName, cluster string) (*Target, error) {
	t := &Target{StackName: stackName, Region: d.Region, wanted: cluster}
	st, err := d.describe(ctx, stackName)
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	if st != nil {
		t.Stack, t.StackID, t.Status = st, aws.ToString(st.StackId), string(st.StackStatus)
		t.Protected = aws.ToBool(st.EnableTerminationProtection)
		if p := cloud.Parameters(st); p != nil {
			params = p
		}
		t.Orchestrator = orchestratorOf(st, params)
		t.Owner = ownerOf(st, params, cluster)
		// A REVIEW_IN_PROGRESS stack's change set never ran: it holds
		// nothing, not even a template, and deleting it is all there is.
		if st.StackStatus != cftypes.StackStatusReviewInProgress {
			if err := d.readTree(ctx, t, st, params); err != nil {
				return nil, err
			}
		}
	}
	if err := d.findCompanions(ctx, t, params); err != nil {
		return nil, err
	}
	return t, nil
}

func orchestratorOf(st *cftypes.Stack, params map[string]string) string {
	for _, tag := range st.Tags {
		if aws.ToString(tag.Key) == plan.TagOrchestrator {
			return aws.ToString(tag.Value)
		}
	}
	if _, ok := params["EKSClusterName"]; ok {
		return "eks"
	}
	return "slurm"
}

// readTree reads what a main stack holds: its resources and nested stacks in
// deletion order, the cluster, the buckets, the hazards and leftovers.
func (d *Deployer) readTree(ctx context.Context, t *Target, st *cftypes.Stack, params map[string]string) error {
	var err error
	if err := d.walk(ctx, t, t.StackID, t.StackName); err != nil {
		return err
	}
	// A stack a custom resource of the tree made (the EKS observability
	// stack) goes with that resource; what it keeps is a leftover too.
	for _, r := range slices.Clone(t.resources) {
		if r.madeStack() {
			if err := d.walk(ctx, t, r.physicalID, cloud.StackName(r.physicalID)); err != nil && !cloud.StackMissing(err) {
				return err
			}
		}
	}
	if t.Nested, err = d.nestedOrder(ctx, t, params); err != nil {
		return err
	}
	if err := d.findCluster(ctx, t, clusterOf(st)); err != nil {
		return err
	}
	if err := d.findKept(ctx, t); err != nil {
		return err
	}
	if err := d.findUploads(ctx, t, params); err != nil {
		return err
	}
	t.Hazards = hazards(t, params)
	t.Leftovers = append(t.Leftovers, knownLeftovers(t, st, params)...)
	return nil
}

// ownerOf says whose a stack is: "" when its ownership tags name the
// cluster (the spec's, or the one the stack makes).
func ownerOf(st *cftypes.Stack, params map[string]string, cluster string) string {
	if cluster == "" {
		cluster = params["HyperPodClusterName"]
	}
	if cluster == "" {
		// A stack with no parameters (REVIEW_IN_PROGRESS: its change set
		// never ran) is known by its tags, or by hpctl's name for it: it
		// holds no resources, so deleting it loses nothing.
		for _, t := range st.Tags {
			if aws.ToString(t.Key) == plan.TagCluster {
				cluster = aws.ToString(t.Value)
			}
		}
		if cluster == "" && st.StackStatus == cftypes.StackStatusReviewInProgress && strings.HasPrefix(aws.ToString(st.StackName), "hpctl-") {
			return ""
		}
	}
	return Owner(st, cluster, orchestratorOf(st, params))
}

// walk lists every resource of a stack and its nested stacks.
func (d *Deployer) walk(ctx context.Context, t *Target, id, path string) error {
	p := cloudformation.NewListStackResourcesPaginator(d.CFN, &cloudformation.ListStackResourcesInput{StackName: aws.String(id)})
	var children []resourceRef
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the resources of %s: %w", path, err)
		}
		for _, r := range page.StackResourceSummaries {
			ref := resourceRef{stackID: id, path: path, logicalID: aws.ToString(r.LogicalResourceId), typ: aws.ToString(r.ResourceType),
				physicalID: aws.ToString(r.PhysicalResourceId), status: string(r.ResourceStatus), reason: aws.ToString(r.ResourceStatusReason)}
			if ref.logicalID == "" || ref.status == "DELETE_COMPLETE" {
				continue
			}
			t.resources = append(t.resources, ref)
			if ref.typ == stackType && strings.HasPrefix(ref.physicalID, "arn:") {
				children = append(children, ref)
			}
		}
	}
	for _, c := range children {
		if err := d.walk(ctx, t, c.physicalID, c.path+"/"+c.logicalID); err != nil {
			return err
		}
	}
	return nil
}

const stackType = "AWS::CloudFormation::Stack"

// nestedOrder lists the root's nested stacks in the order CloudFormation
// takes them down: the reverse of the order its own template, evaluated on
// the stack's parameters, creates them in. Nested stacks hpctl does not know
// are ordered with the rest; any the template does not explain go last.
func (d *Deployer) nestedOrder(ctx context.Context, t *Target, params map[string]string) ([]string, error) {
	var present []string
	for _, r := range t.resources {
		if r.typ == stackType && r.stackID == t.StackID {
			present = append(present, r.logicalID)
		}
	}
	tpl, err := d.template(ctx, t.StackID)
	if err != nil {
		return nil, err
	}
	order, err := tpl.Evaluate(template.Env{Params: params, Region: d.Region, StackName: t.StackName}).NestedOrder()
	if err != nil {
		return nil, fmt.Errorf("the template of %s: %w", t.StackName, err)
	}
	slices.Reverse(order)
	var out []string
	for _, id := range order {
		if slices.Contains(present, id) {
			out = append(out, id)
		}
	}
	for _, id := range present {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, id := range out {
		if !known(t.Orchestrator, id) {
			res, _ := tpl.Resource(id)
			t.Unknown = append(t.Unknown, UnknownStack{LogicalID: id, Condition: tpl.Describe(res.Condition)})
		}
	}
	return out, nil
}

// template reads and parses the template a stack runs.
func (d *Deployer) template(ctx context.Context, stackID string) (*template.Template, error) {
	out, err := d.CFN.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stackID)})
	if err != nil {
		return nil, fmt.Errorf("read the template of %s: %w", stackID, err)
	}
	tpl, err := template.Parse([]byte(aws.ToString(out.TemplateBody)))
	if err != nil {
		return nil, fmt.Errorf("parse the template of %s: %w", stackID, err)
	}
	return tpl, nil
}

// findCluster records the cluster when a stack of the tree made it: only
// then is it the deployment's to delete.
func (d *Deployer) findCluster(ctx context.Context, t *Target, name string) error {
	if name == "" {
		return nil
	}
	owned := slices.ContainsFunc(t.resources, func(r resourceRef) bool {
		return r.typ == "AWS::SageMaker::Cluster" && (r.physicalID == name || strings.HasSuffix(r.physicalID, "/"+name))
	})
	if !owned {
		return nil
	}
	t.Cluster = name
	c, err := describeCluster(ctx, d.SM, name, d.now)
	if err != nil {
		return err
	}
	t.ClusterState = c
	return nil
}

// describeCluster reads a cluster's state (nil when it does not exist).
func describeCluster(ctx context.Context, sm cloud.SageMaker, name string, now func() time.Time) (*watch.Cluster, error) {
	out, err := sm.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(name)})
	if cloud.ClusterMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe cluster %s: %w", name, err)
	}
	return watch.ClusterOf(out, now()), nil
}

// findKept sorts the buckets the stacks made: those CloudFormation will
// delete (destroy empties them first) and those a DeletionPolicy keeps. A
// Prometheus workspace a DeletionPolicy keeps (the observability stacks')
// is a leftover too.
func (d *Deployer) findKept(ctx context.Context, t *Target) error {
	policies := map[string]map[string]string{} // stack ID → logical ID → DeletionPolicy
	for _, r := range t.resources {
		if (r.typ != "AWS::S3::Bucket" && r.typ != "AWS::APS::Workspace") || r.physicalID == "" {
			continue
		}
		if _, ok := policies[r.stackID]; !ok {
			p, err := d.deletionPolicies(ctx, r.stackID)
			if err != nil {
				return err
			}
			policies[r.stackID] = p
		}
		kept := policies[r.stackID][r.logicalID] == "Retain" || policies[r.stackID][r.logicalID] == "RetainExceptOnCreate"
		switch {
		case r.typ == "AWS::APS::Workspace" && kept:
			id := r.physicalID[strings.LastIndex(r.physicalID, "/")+1:] // Ref is the workspace's ARN
			t.Leftovers = append(t.Leftovers, Leftover{What: "Prometheus workspace kept by its DeletionPolicy (" + r.path + "/" + r.logicalID + ")",
				Name: id, Remove: "aws amp delete-workspace --workspace-id " + id})
		case r.typ == "AWS::APS::Workspace":
		case kept:
			t.Leftovers = append(t.Leftovers, Leftover{What: "bucket kept by its DeletionPolicy (" + r.path + "/" + r.logicalID + ")",
				Name: r.physicalID, Remove: "aws s3 rb s3://" + r.physicalID + " --force", checkBucket: r.physicalID})
		default:
			t.Buckets = append(t.Buckets, r.physicalID)
		}
	}
	return nil
}

// deletionPolicies reads the DeletionPolicy of every resource of a stack's
// template.
func (d *Deployer) deletionPolicies(ctx context.Context, stackID string) (map[string]string, error) {
	tpl, err := d.template(ctx, stackID)
	if err != nil {
		return nil, err
	}
	policies := map[string]string{}
	for _, r := range tpl.Resources {
		policies[r.ID], _ = r.DeletionPolicy.(string)
	}
	return policies, nil
}

// findCompanions finds the top-level stacks deployed beside the main one:
// the companion of the catalog (hpctl's, by its tags) and a stack a custom
// resource of the tree made (the deployment's, by the resource).
func (d *Deployer) findCompanions(ctx context.Context, t *Target, params map[string]string) error {
	cats := []*catalog.Orchestration{catalog.EKS(), catalog.Slurm()} // with the main stack gone, either
	if cat, err := catalog.For(t.Orchestrator); err == nil {
		cats = []*catalog.Orchestration{cat}
	}
	var candidates []Companion
	for _, cat := range cats {
		for _, s := range cat.Stacks {
			if s.Kind == catalog.Companion {
				candidates = append(candidates, Companion{Name: s.Name, StackName: strings.ReplaceAll(s.TopLevelName, "<stack>", t.StackName)})
			}
		}
	}
	for _, r := range t.resources {
		if r.madeStack() {
			candidates = append(candidates, Companion{Name: r.logicalID, StackName: r.physicalID, madeByTree: true})
		}
	}
	for _, c := range candidates {
		st, err := d.describe(ctx, c.StackName)
		if err != nil {
			return err
		}
		if st == nil || st.StackStatus == cftypes.StackStatusDeleteComplete {
			continue
		}
		if !c.madeByTree && Owner(st, ownerCluster(t, params), t.Orchestrator) != "" {
			continue // a stack of that name that is not this deployment's
		}
		c.Stack = st
		c.StackName = aws.ToString(st.StackName)
		t.Companions = append(t.Companions, c)
	}
	return nil
}

func ownerCluster(t *Target, params map[string]string) string {
	if t.wanted != "" {
		return t.wanted
	}
	if n := params["HyperPodClusterName"]; n != "" {
		return n
	}
	return strings.TrimPrefix(t.StackName, "hpctl-")
}

// hazards are what the hosted templates do on delete to what the user
// brought: a stack the catalog says empties a bucket (the Slurm
// lifecycle-script stack) when that bucket is not one the deployment made.
func hazards(t *Target, params map[string]string) []Hazard {
	cat, err := catalog.For(t.Orchestrator)
	if err != nil {
		return nil
	}
	var out []Hazard
	for _, s := range cat.Stacks {
		b := params[s.EmptiesOnDelete]
		if s.EmptiesOnDelete == "" || b == "" || slices.Contains(t.Buckets, b) || !t.hasNested(s.LogicalIDs) {
			continue
		}
		out = append(out, Hazard{Bucket: b, Message: fmt.Sprintf("%s deletes every object in your bucket %s when it is deleted", s.Name, b)})
	}
	return out
}

// hasNested reports whether one of these logical IDs is a stack of the tree.
func (t *Target) hasNested(ids []string) bool {
	return slices.ContainsFunc(t.resources, func(r resourceRef) bool { return r.typ == stackType && slices.Contains(ids, r.logicalID) })
}

// knownLeftovers are what the hosted templates leave behind, by the
// stacks the deployment has (reference §8: eksctl side stacks, the IAM
// OIDC provider, the Lambdas' log groups, a retained AMP workspace; 2026:
// the accounting database's final snapshot). The FSx CSI side stack came
// from FsxStack until 2026 and comes from FsxK8sIntegrationStack since,
// which installs the driver with the same Lambda code.
func knownLeftovers(t *Target, st *cftypes.Stack, params map[string]string) []Leftover {
	has := func(logicalID string) bool {
		return slices.ContainsFunc(t.resources, func(r resourceRef) bool { return r.stackID == t.StackID && r.logicalID == logicalID })
	}
	var out []Leftover
	eks := params["EKSClusterName"]
	for _, o := range st.Outputs {
		if aws.ToString(o.OutputKey) == "OutputEKSClusterName" && aws.ToString(o.OutputValue) != "" {
			eks = aws.ToString(o.OutputValue)
		}
	}
	eksctl := func(sa string) Leftover {
		name := "eksctl-" + eks + "-addon-iamserviceaccount-kube-system-" + sa
		return Leftover{What: "eksctl service-account stack", Name: name, Remove: "aws cloudformation delete-stack --stack-name " + name, checkStack: name}
	}
	if t.Orchestrator == "eks" && (has("FsxStack") || has("FsxK8sIntegrationStack")) {
		out = append(out, eksctl("fsx-csi-controller-sa"))
		if has("EKSClusterStack") {
			out = append(out, Leftover{What: "IAM OIDC provider of EKS cluster " + eks + " (never deleted by the templates)", Name: eks,
				Remove: "aws iam list-open-id-connect-providers; aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ARN"})
		}
	}
	if has("InferenceOperatorMainStack") {
		out = append(out, eksctl("aws-load-balancer-controller"), eksctl("s3-csi-driver-sa"))
	}
	// A workspace the tree holds is named by findKept; this is for one it
	// could not read.
	held := slices.ContainsFunc(t.resources, func(r resourceRef) bool { return r.typ == "AWS::APS::Workspace" })
	if params["CreatePrometheusWorkspace"] == "true" && params["EnableObservabilityFeature"] == "true" && !held {
		out = append(out, Leftover{What: "Amazon Managed Prometheus workspace (DeletionPolicy Retain)", Name: t.StackName,
			Remove: "aws amp list-workspaces; aws amp delete-workspace --workspace-id ID"})
	}
	if has("AccountingDatabaseStack") {
		out = append(out, Leftover{What: "final snapshot of the Slurm accounting database (DeletionPolicy Snapshot)", Name: t.StackName + "-AccountingDatabaseStack-*",
			Remove: "aws rds describe-db-snapshots --snapshot-type manual; aws rds delete-db-snapshot --db-snapshot-identifier ID"})
	}
	if t.Cluster != "" {
		// HyperPod's own log group, not the stacks': it outlives the cluster
		// with the evidence of its nodes' lifecycle scripts.
		prefix := cloud.ClusterLogPrefix(t.Cluster)
		out = append(out, Leftover{What: "lifecycle-script logs of the cluster's nodes (HyperPod's log group; hpctl logs " + t.Cluster + " reads them)", Name: prefix + "*",
			Remove: "aws logs describe-log-groups --log-group-name-prefix " + prefix + "; aws logs delete-log-group --log-group-name NAME", checkLogs: t.Cluster})
	}
	if slices.ContainsFunc(t.resources, func(r resourceRef) bool { return strings.HasPrefix(r.typ, "Custom::") }) {
		prefix := "/aws/lambda/" + params["ResourceNamePrefix"]
		out = append(out, Leftover{What: "log groups of the templates' Lambda functions", Name: prefix + "*",
			Remove: "aws logs describe-log-groups --log-group-name-prefix " + prefix + "; aws logs delete-log-group --log-group-name NAME"})
	}
	return out
}

// Data lists what the destroy would delete that holds data: the FSx file
// systems of the stack tree, and the buckets it empties that hold objects.
// A destroy of such a deployment asks for the cluster's name typed.
func (d *Deployer) Data(ctx context.Context, t *Target) ([]string, error) {
	var out []string
	for _, r := range t.resources {
		if r.typ == "AWS::FSx::FileSystem" && r.physicalID != "" && !strings.HasPrefix(r.status, "DELETE_COMPLETE") {
			out = append(out, "FSx file system "+r.physicalID+" ("+r.path+")")
		}
	}
	for _, b := range t.Buckets {
		page, err := d.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b), MaxKeys: aws.Int32(1)})
		switch {
		case cloud.BucketMissing(err):
		case err != nil:
			return nil, fmt.Errorf("look into bucket %s: %w", b, err)
		case len(page.Versions) > 0 || len(page.DeleteMarkers) > 0:
			out = append(out, "the objects of bucket "+b)
		}
	}
	return out, nil
}

// Near returns the cluster of hpctl's deployments in the region (by their
// ownership tag) whose name is nearest name, or "", for a destroy that
// found nothing.
func (d *Deployer) Near(ctx context.Context, name string) (string, error) {
	var clusters []string
	p := cloudformation.NewDescribeStacksPaginator(d.CFN, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, st := range page.Stacks {
			for _, tag := range st.Tags {
				if aws.ToString(tag.Key) == plan.TagCluster && st.StackStatus != cftypes.StackStatusDeleteComplete {
					clusters = append(clusters, aws.ToString(tag.Value))
				}
			}
		}
	}
	return spec.Closest(strings.TrimPrefix(name, "hpctl-"), clusters), nil
}
