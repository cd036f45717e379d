package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
	"github.com/hpctl/hpctl/templates"
)

// Command behaviour that once needed the emulator, on the fake cloud: the
// same commands and the same checks, each in a fraction of a second.

const quickstart = "../../examples/eks-quickstart.yaml"

func stackOf(f *cloudtest.Fake, name string) *cloudformation.DescribeStacksOutput {
	out, err := f.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return nil
	}
	return out
}

// statusOf is a stack's status ("" when there is none).
func statusOf(f *cloudtest.Fake, name string) string {
	if out := stackOf(f, name); out != nil {
		return string(out.Stacks[0].StackStatus)
	}
	return ""
}

func mustDeploy(t *testing.T, f *cloudtest.Fake, orch, spec string, extra ...string) {
	t.Helper()
	if code, out, errOut := deployOn(t, f, orch, spec, extra...); code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
}

func lastLines(out string, n int) []string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[max(0, len(lines)-n):]
}

func TestDeployFailureNamesTheRootCause(t *testing.T) {
	reason := "InvalidSubnet.Range: The CIDR '10.99.9.0/24' is invalid."
	f := world(t)
	f.Fail["PrivateSubnet2"] = reason
	code, out, errOut := deployOn(t, f, "eks", quickstart)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	want := "Root cause: hpctl-ml-cluster/PrivateSubnetStack/PrivateSubnet2 (AWS::EC2::Subnet): " + reason
	next := "Next: fix the cause above, then run `hpctl deploy -f " + quickstart + " --replace-failed` (it deletes the failed stack hpctl-ml-cluster first), or remove it with `hpctl destroy ml-cluster`"
	if last := lastLines(out, 2); last[0] != want || last[1] != next {
		t.Errorf("last lines %q\nwant       %q", last, []string{want, next})
	}

	// status says what the dead stack died of.
	if code, out, errOut := onFake(t, f, "status", "ml-cluster"); code != 0 || !strings.Contains(out, "\n  "+want+"\n") {
		t.Errorf("status: exit %d\n%s%s", code, out, errOut)
	}

	// The dead stack is refused, with what it died of, then replaced.
	code, _, errOut = deployOn(t, f, "eks", quickstart)
	if code != ExitUsage || !strings.Contains(errOut, "ROLLBACK_COMPLETE") || !strings.Contains(errOut, reason) ||
		!strings.Contains(errOut, "--replace-failed") {
		t.Errorf("dead stack: exit %d\n%s", code, errOut)
	}
	clear(f.Fail)
	code, out, errOut = deployOn(t, f, "eks", quickstart, "--replace-failed")
	if code != 0 || !strings.Contains(out, "deleting stack hpctl-ml-cluster (ROLLBACK_COMPLETE)") || !strings.Contains(out, "✓ hpctl-ml-cluster CREATE_COMPLETE") {
		t.Errorf("--replace-failed: exit %d\n%s%s", code, out, errOut)
	}
}

// A changed parameter goes through an update change set that shows the
// parameter and the nested resource it changes; without a terminal it
// needs --yes.
func TestDeployChangedParameterGoesThroughAChangeSet(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	bigger := specFile(t, "eks-quickstart.yaml", "capacityGiB: 1200", "capacityGiB: 2400")
	code, out, errOut := deployOn(t, f, "eks", bigger)
	if code != ExitUsage || !strings.Contains(errOut, "pass --yes") {
		t.Errorf("without --yes and a terminal: exit %d\n%s", code, errOut)
	}
	code, out, errOut = deployOn(t, f, "eks", bigger, "--yes")
	for _, want := range []string{"StorageCapacity  1200 → 2400", "> FsxFilesystemStack (AWS::CloudFormation::Stack)",
		"> FSxLustreFileSystem (AWS::FSx::FileSystem): StorageCapacity", "0 to add, 3 to change, 0 to remove (2 of the changes may come to nothing",
		"> HyperPodClusterStack (AWS::CloudFormation::Stack): TemplateURL may change (reads HyperPodParamClusterStack.Outputs.HyperPodClusterTemplateUrlOutput",
		"UPDATE_COMPLETE              FsxFilesystemStack/FSxLustreFileSystem (AWS::FSx::FileSystem)", "✓ hpctl-ml-cluster UPDATE_COMPLETE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if got := cloud.Parameters(&stackOf(f, "hpctl-ml-cluster").Stacks[0])["StorageCapacity"]; got != "2400" {
		t.Errorf("StorageCapacity is %s", got)
	}
}

func TestDeployJSONLinesParse(t *testing.T) {
	f := world(t)
	code, out, errOut := deployOn(t, f, "slurm", "../../examples/slurm-quickstart.yaml", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var kinds []string
	var last map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		kinds = append(kinds, v["type"].(string))
		last = v
	}
	for _, k := range []string{"step", "event", "cluster", "summary"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %q line in %v", k, kinds)
		}
	}
	if last["type"] != "summary" || last["succeeded"] != true || last["status"] != "CREATE_COMPLETE" ||
		last["cluster"].(map[string]any)["status"] != "InService" {
		t.Errorf("last line %v", last)
	}
}

func TestDestroyRefusesAStackHpctlDidNotMake(t *testing.T) {
	f := world(t)
	if err := f.CreateStack("hpctl-foreign", userStack); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := onFake(t, f, "destroy", "foreign", "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "was not made by hpctl (it has no hpctl:cluster tag)") || !strings.Contains(errOut, "--adopt") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if statusOf(f, "hpctl-foreign") != "CREATE_COMPLETE" {
		t.Error("the refused destroy deleted something")
	}
	code, out, errOut = onFake(t, f, "destroy", "foreign", "--yes", "--adopt")
	if code != 0 || statusOf(f, "hpctl-foreign") != "" {
		t.Errorf("--adopt --yes: exit %d\n%s%s", code, out, errOut)
	}
}

// A deletion that fails gives exit 4, the root cause and the command that
// retries; that command, keeping what cannot be deleted, succeeds.
func TestDestroyFailureThenRetain(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	reason := "AccessDenied: not allowed to delete sagemaker-ml-cluster-bucket"
	f.FailDelete["Bucket"] = reason
	code, out, errOut := onFake(t, f, "destroy", "ml-cluster", "--yes")
	retry := "Retry: hpctl destroy hpctl-ml-cluster --region us-west-2 --retain S3BucketStack/Bucket"
	if last := lastLines(out, 2); code != ExitCleanup || last[1] != retry ||
		last[0] != "Root cause: hpctl-ml-cluster/S3BucketStack/Bucket (AWS::S3::Bucket): "+reason {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	args := append(strings.Fields(strings.TrimPrefix(retry, "Retry: hpctl ")), "--yes")
	code, out, errOut = onFake(t, f, args...)
	if code != 0 || !strings.Contains(out, "kept by --retain: S3BucketStack/Bucket (AWS::S3::Bucket): sagemaker-ml-cluster-bucket") {
		t.Fatalf("retry: exit %d\n%s%s", code, out, errOut)
	}
	if got := f.Buckets(); statusOf(f, "hpctl-ml-cluster") != "" || !slices.Equal(got, []string{"hpctl-stand-ins", "sagemaker-ml-cluster-bucket"}) {
		t.Errorf("left: stack %s, buckets %v", statusOf(f, "hpctl-ml-cluster"), got)
	}
}

// The Slurm lifecycle stack empties the bucket it used when it is deleted;
// for a brought bucket destroy needs the user's explicit agreement.
func TestDestroyNeedsAgreementToEmptyABroughtBucket(t *testing.T) {
	f := world(t)
	f.Put("sagemaker-my-slurm", "data/keep.txt", []byte("the user's data/keep.txt"))
	spec := specFile(t, "slurm-quickstart.yaml", "bucket: {}", "bucket: {name: sagemaker-my-slurm}")
	mustDeploy(t, f, "slurm", spec)
	code, out, errOut := onFake(t, f, "destroy", "-f", spec, "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "deletes every object in your bucket sagemaker-my-slurm") ||
		!strings.Contains(errOut, "--empty-brought-bucket sagemaker-my-slurm") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if f.Object("sagemaker-my-slurm", "data/keep.txt") == nil {
		t.Error("the refused destroy touched the bucket")
	}
	code, out, errOut = onFake(t, f, "destroy", "-f", spec, "--yes", "--empty-brought-bucket", "sagemaker-my-slurm", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lastLines(out, 1)[0]), &last); err != nil || last["type"] != "summary" || last["succeeded"] != true {
		t.Errorf("last line %v (%v)", last, err)
	}
}

// destroy NAME resolves to hpctl's own deployment (hpctl-NAME) before a
// stack of someone else's named NAME, which it never touches; the user's
// stack alone is refused, with --adopt offered only then.
func TestDestroyByNameTakesOnlyHpctlsOwn(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	if err := f.CreateStack("ml-cluster", userStack); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := onFake(t, f, "destroy", "ml-cluster", "--yes")
	if code != 0 || !strings.Contains(out, "destroyed hpctl-ml-cluster") {
		t.Fatalf("destroy: exit %d\n%s%s", code, out, errOut)
	}
	if statusOf(f, "hpctl-ml-cluster") != "" || statusOf(f, "ml-cluster") == "" {
		t.Fatalf("after the destroy: hpctl-ml-cluster %q, the user's ml-cluster %q", statusOf(f, "hpctl-ml-cluster"), statusOf(f, "ml-cluster"))
	}
	code, _, errOut = onFake(t, f, "destroy", "ml-cluster", "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "stack ml-cluster was not made by hpctl") || !strings.Contains(errOut, "--adopt") || statusOf(f, "ml-cluster") == "" {
		t.Errorf("the user's stack alone: exit %d\n%s", code, errOut)
	}
}

// A complete stack whose cluster was deleted outside it is not up to date.
func TestADeploymentWhoseClusterIsGoneIsNotUpToDate(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "slurm", "../../examples/slurm-quickstart.yaml")
	if _, err := f.DeleteCluster(context.Background(), &sagemaker.DeleteClusterInput{ClusterName: aws.String("slurm-cluster")}); err != nil {
		t.Fatal(err)
	}
	_ = f.Sleep(context.Background(), f.Step)
	code, out, errOut := deployOn(t, f, "slurm", "../../examples/slurm-quickstart.yaml", "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "stack hpctl-slurm-cluster has nothing to change, but its HyperPod cluster slurm-cluster does not exist") ||
		!strings.Contains(errOut, "finish the destroy (hpctl destroy hpctl-slurm-cluster), then deploy again") || strings.Contains(out, "No changes") {
		t.Errorf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = onFake(t, f, "status", "slurm-cluster")
	if code != 0 || !strings.Contains(out, "Cluster slurm-cluster: does not exist, though the stack made it") {
		t.Errorf("status: exit %d\n%s%s", code, out, errOut)
	}
}

// A destroy that deletes data asks for the cluster's name, not a y; a
// near miss of a name is answered with the name meant.
func TestDestroyOfDataAsksForTheClusterName(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	code, out, errOut := onFake(t, f, "destroy", "ml-clustre", "--yes")
	if code != 0 || !strings.Contains(out, "Nothing to destroy: no stack ml-clustre (nor hpctl-ml-clustre) in us-west-2.\n"+
		"Did you mean ml-cluster? It is the nearest name of hpctl's deployments there: hpctl destroy ml-cluster --region us-west-2\n") {
		t.Errorf("a near name: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = onFakeTTY(t, f, "y\n", "destroy", "ml-cluster")
	if code != ExitUsage || !strings.Contains(errOut, "This deletes data that cannot be brought back:\n  - FSx file system ") ||
		!strings.Contains(errOut, "  - the objects of bucket sagemaker-ml-cluster-bucket\n") ||
		!strings.Contains(errOut, `hpctl: "y" is not "ml-cluster"; nothing deleted`) {
		t.Fatalf("a y for data: exit %d\n%s", code, errOut)
	}
	if statusOf(f, "hpctl-ml-cluster") != "CREATE_COMPLETE" {
		t.Fatal("the deployment was touched")
	}
	code, out, errOut = onFakeTTY(t, f, "ml-cluster\n", "destroy", "ml-cluster")
	if code != 0 || !strings.Contains(out, "✓ destroyed hpctl-ml-cluster") {
		t.Fatalf("the name typed: exit %d\n%s%s", code, out, errOut)
	}
}

// No to the question of an update or a destroy changes nothing, exit 2.
func TestNoToAnUpdateOrADestroyExits2(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	scaled := specFile(t, "eks-quickstart.yaml", "count: 2", "count: 3")
	code, out, errOut := onFakeTTY(t, f, "n\n", "deploy", "eks", "-f", scaled, "--templates-bucket", standIns)
	if code != ExitUsage || !strings.Contains(out, "Change set ") || !strings.HasSuffix(errOut, "Apply this change set to hpctl-ml-cluster? [y/N] Cancelled; nothing changed.\n") ||
		statusOf(f, "hpctl-ml-cluster") != "CREATE_COMPLETE" {
		t.Errorf("no to an update: exit %d, stack %s\n%s%s", code, statusOf(f, "hpctl-ml-cluster"), out, errOut)
	}
	if _, err := f.CreateChangeSet(context.Background(), &cloudformation.CreateChangeSetInput{StackName: aws.String("hpctl-empty"),
		ChangeSetName: aws.String("hpctl-1"), ChangeSetType: "CREATE", TemplateBody: aws.String(userStack)}); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = onFakeTTY(t, f, "n\n", "destroy", "hpctl-empty")
	if code != ExitUsage || !strings.HasSuffix(errOut, "Destroy hpctl-empty? [y/N] Cancelled; nothing deleted.\n") || statusOf(f, "hpctl-empty") != "REVIEW_IN_PROGRESS" {
		t.Errorf("no to a destroy: exit %d, stack %s\n%s", code, statusOf(f, "hpctl-empty"), errOut)
	}
}

// From the hosted templates, the Slurm quickstart's SSM stack is made from
// hpctl's own template: the hosted one, as published, cannot be deployed.
func TestSlurmQuickstartDeploysThroughHpctlsOwnSSMTemplate(t *testing.T) {
	f := cloudtest.New()
	hosted := "aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod"
	if code, out, errOut := onFake(t, f, "templates", "upload", "--bucket", hosted, "--stand-ins"); code != ExitOK {
		t.Fatalf("upload: %d\n%s%s", code, out, errOut)
	}
	f.Put(hosted, ssmKey, []byte(published(t)))
	code, out, errOut := onFake(t, f, "deploy", "slurm", "-f", "../../examples/slurm-quickstart.yaml", "--yes")
	if code != ExitOK {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	st := stackOf(f, "hpctl-slurm-cluster-ssm")
	if st == nil || st.Stacks[0].StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("the SSM stack: %v", st)
	}
	if got := cloud.Parameters(&st.Stacks[0])["ResourceNamePrefix"]; got != "sagemaker-slurm-cluster" {
		t.Errorf("the SSM stack's ResourceNamePrefix is %q", got)
	}
	tpl, err := f.GetTemplate(context.Background(), &cloudformation.GetTemplateInput{StackName: aws.String("hpctl-slurm-cluster-ssm")})
	if err != nil || !strings.Contains(aws.ToString(tpl.TemplateBody), "hpctl's own slurm-ssm-template.yaml") {
		t.Errorf("the SSM stack does not run hpctl's own template: %v", err)
	}
	if code, out, errOut = onFake(t, f, "destroy", "slurm-cluster", "--yes"); code != ExitOK {
		t.Errorf("destroy: exit %d\n%s%s", code, out, errOut)
	}
}

// Every example deploys and destroys again on the fake, leaving no stack,
// cluster or bucket of the deployment, and a brought bucket with every
// object it held. (The emulator's version of this test proves the same
// for the network, EKS and Prometheus resources of three of them.)
func TestDestroyEveryExampleOnTheFake(t *testing.T) {
	examples, _ := filepath.Glob("../../examples/*.yaml")
	for _, path := range examples {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			f := world(t)
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			brought := ""
			if strings.Contains(string(text), "bucket: {name: ") {
				brought = "sagemaker-ml-team-lifecycle"
				f.Put(brought, "keep/me.txt", []byte("the user's"))
			}
			buckets := f.Buckets()
			orch, _, _ := strings.Cut(name, "-")
			mustDeploy(t, f, orch, path)
			code, out, errOut := onFake(t, f, "destroy", "-f", path, "--yes")
			if code != 0 || !strings.Contains(out, "✓ destroyed") {
				t.Fatalf("destroy: exit %d\n%s%s", code, out, errOut)
			}
			if got := f.Buckets(); !slices.Equal(got, buckets) {
				t.Errorf("buckets %v after the destroy, %v before the deploy", got, buckets)
			}
			if brought != "" && f.Object(brought, "keep/me.txt") == nil {
				t.Errorf("the brought bucket lost keep/me.txt")
			}
			if stacks, clusters := f.Live(); len(stacks)+len(clusters) != 0 {
				t.Errorf("left: stacks %v, clusters %v", stacks, clusters)
			}
			code, out2, _ := onFake(t, f, "destroy", "-f", path, "--yes")
			if code != 0 || !strings.Contains(out2, "Nothing to destroy") {
				t.Errorf("second destroy: exit %d\n%s", code, out2)
			}
		})
	}
}

// nestedOf lists a stack's nested stacks, sorted.
func nestedOf(t *testing.T, f *cloudtest.Fake, stack string) []string {
	t.Helper()
	out, err := f.ListStackResources(context.Background(), &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range out.StackResourceSummaries {
		if aws.ToString(r.ResourceType) == "AWS::CloudFormation::Stack" {
			ids = append(ids, aws.ToString(r.LogicalResourceId))
		}
	}
	slices.Sort(ids)
	return ids
}

// A newer main template than hpctl knows deploys as the template says: the
// plan, status and destroy name its unknown nested stacks, and destroy takes
// them down in its own order.
func TestAVariantTemplateDeploysAndDestroysWithItsDrift(t *testing.T) {
	f := world(t)
	variant, err := templates.Variant()
	if err != nil {
		t.Fatal(err)
	}
	audit := "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  VpcId: {Type: String}\n  Level: {Type: String}\n" +
		"Resources:\n  Record:\n    Type: AWS::SSM::Parameter\n    Properties: {Name: /hpctl-emu/audit, Type: String, Value: !Sub '${VpcId} ${Level}'}\n"
	f.Put(standIns, "templates/main-stack-eks-based-template.yaml", variant)
	// The variant reads its extra stack from the hosted bucket, whatever CustomBucketName says.
	f.Put("aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod", "templates/audit-template.yaml", []byte(audit))
	spec := "../../examples/eks-quickstart.yaml"
	code, out, errOut := deployOn(t, f, "eks", spec, "--yes")
	if code != ExitOK {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	if got := nestedOf(t, f, "hpctl-ml-cluster"); !slices.Contains(got, "ExtraAuditStack") || !slices.Contains(got, "S3GatewayEndpointStack") || slices.Contains(got, "S3EndpointStack") {
		t.Errorf("nested stacks %v", got)
	}
	code, out, _ = onFake(t, f, "status", "ml-cluster")
	if code != ExitOK || !strings.Contains(out, "ExtraAuditStack (not known to hpctl)") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	code, out, _ = onFake(t, f, "destroy", "ml-cluster", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "? ExtraAuditStack is not known to hpctl (a newer template's; created when CreateVPCStack = true)") {
		t.Errorf("destroy --dry-run: exit %d\n%s", code, out)
	}
	order := out[strings.Index(out, "in this order:"):]
	if i, j := strings.Index(order, "ExtraAuditStack"), strings.Index(order, "VPCStack"); i < 0 || j < i {
		t.Errorf("ExtraAuditStack reads VPCStack and must go first:\n%s", order)
	}
	if code, out, errOut = onFake(t, f, "destroy", "ml-cluster", "--yes"); code != ExitOK {
		t.Errorf("destroy: exit %d\n%s%s", code, out, errOut)
	}
}

// An update whose rollback fails leaves the stack UPDATE_ROLLBACK_FAILED:
// the deploy names the cause, and the next deploy refuses with the
// command that goes on; once the rollback is continued, deploying works.
func TestAnUpdateWhoseRollbackFailsSaysHowToGoOn(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	f.Fail["HyperPodCluster"] = "ValidationException: no capacity for ml.g5.8xlarge"
	f.FailRollback["HyperPodCluster"] = "ValidationException: the cluster is Updating"
	scaled := specFile(t, "eks-quickstart.yaml", "count: 2", "count: 3")
	code, out, errOut := deployOn(t, f, "eks", scaled, "--yes")
	if code != ExitFailed || !strings.Contains(out+errOut, "no capacity for ml.g5.8xlarge") || !strings.Contains(out+errOut, "UPDATE_ROLLBACK_FAILED") {
		t.Fatalf("the failed update: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = deployOn(t, f, "eks", scaled, "--yes")
	if code == 0 || !strings.Contains(errOut, "aws cloudformation continue-update-rollback --stack-name hpctl-ml-cluster") {
		t.Fatalf("a deploy over UPDATE_ROLLBACK_FAILED: exit %d\n%s%s", code, out, errOut)
	}
	clear(f.Fail)
	clear(f.FailRollback)
	if _, err := f.ContinueUpdateRollback(context.Background(), &cloudformation.ContinueUpdateRollbackInput{StackName: aws.String("hpctl-ml-cluster")}); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := onFake(t, f, "watch", "ml-cluster"); code != 1 || !strings.Contains(out, "UPDATE_ROLLBACK_COMPLETE") {
		t.Fatalf("watching the continued rollback: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := deployOn(t, f, "eks", scaled, "--yes"); code != 0 || !strings.Contains(out, "UPDATE_COMPLETE") {
		t.Fatalf("the deploy after the rollback: exit %d\n%s%s", code, out, errOut)
	}
}

// A spec that brings its own VPC creates none of the stacks it skips.
func TestDeployBroughtNetworkCreatesNoSkippedStack(t *testing.T) {
	f := world(t)
	spec := "../../examples/eks-existing-vpc.yaml"
	code, out, errOut := deployOn(t, f, "eks", spec)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, planJSON, _ := onFake(t, f, "plan", "eks", "-f", spec, "--output", "json")
	if code != 0 {
		t.Fatalf("plan: exit %d", code)
	}
	var p struct {
		Stacks []struct {
			Name, Kind, Action string
			LogicalIDs         []string
		}
	}
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range p.Stacks {
		if s.Kind == "nested" && s.Action == "create" {
			want = append(want, s.LogicalIDs...)
		}
	}
	slices.Sort(want)
	if got := nestedOf(t, f, "hpctl-ml-shared-vpc"); !slices.Equal(got, want) || slices.Contains(got, "VPCStack") {
		t.Errorf("nested stacks %v\nthe plan creates %v", got, want)
	}
}

// A deploy with --no-wait onto a stack another deploy is creating says what
// runs and exits 3 at once, touching nothing; the first deploy ends well.
func TestNoWaitExits3WhileAnotherDeployRuns(t *testing.T) {
	f := world(t)
	other := f.Stack("hpctl-slurm-cluster").Status(0, "CREATE_IN_PROGRESS", "User Initiated")
	code, out, errOut := deployOn(t, f, "slurm", "../../examples/slurm-quickstart.yaml", "--yes", "--no-wait")
	if code != ExitTimeout || !strings.Contains(errOut, "hpctl: stack hpctl-slurm-cluster is CREATE_IN_PROGRESS; --no-wait: not following it; CloudFormation goes on.") ||
		!strings.Contains(errOut, "Re-attach with: hpctl watch hpctl-slurm-cluster --region us-west-2") || strings.Contains(out, "✓") {
		t.Errorf("--no-wait: exit %d\n%s%s", code, out, errOut)
	}
	if st := stackOf(f, "hpctl-slurm-cluster"); st == nil || *st.Stacks[0].StackId != other.ID || f.Calls["CreateChangeSet"] != 0 {
		t.Error("the stack was touched")
	}
}

// A cluster InService with a group short of its count (continuous
// provisioning) is not a finished deploy: with the count stuck it fails
// once --nodes-timeout has passed, exit 1, naming the group and the counts;
// a bad --nodes-timeout is refused before anything happens.
func TestAClusterShortOfNodesFailsTheDeploy(t *testing.T) {
	f := world(t)
	f.Short["workers"] = 1
	code, out, errOut := deployOn(t, f, "eks", quickstart, "--yes", "--nodes-timeout", "5m")
	expect(t, "short", code, out+errOut, ExitFailed,
		[]string{"the cluster is InService but short of nodes, unchanged for 5m", "workers 1 of 2"})
	code, out, errOut = deployOn(t, world(t), "eks", quickstart, "--yes", "--nodes-timeout", "0s")
	expect(t, "bad timeout", code, out+errOut, ExitUsage, []string{"--nodes-timeout 0s: give a positive duration"})
}

// The orchestrator is said once, in the spec: deploy takes it from there.
func TestDeployTakesTheSpecsOrchestrator(t *testing.T) {
	f := world(t)
	code, out, errOut := onFake(t, f, "deploy", "-f", quickstart, "--templates-bucket", standIns, "--yes")
	if code != ExitOK || !strings.Contains(out, "Deploying EKS HyperPod cluster ml-cluster as stack hpctl-ml-cluster") || statusOf(f, "hpctl-ml-cluster") != "CREATE_COMPLETE" {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// watch says what it follows before it shows it, and ends with the Outputs.
func TestWatchHasAHeaderAndTheOutputs(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	code, out, errOut := onFake(t, f, "watch", "ml-cluster")
	if code != 0 || !strings.HasPrefix(out, "Watching hpctl-ml-cluster in us-west-2, from the start of its last operation\n") ||
		!strings.Contains(out, "\nOutputs:\n  OutputEKSClusterArn") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// One count of nested stacks, whichever command says it: the plan's
// "to create", the deploy's header and its final tree, CloudFormation's
// own and destroy's plan name the same number for each quickstart.
func TestEveryCommandCountsTheNestedStacksAlike(t *testing.T) {
	for _, c := range []struct{ orch, spec, stack string }{
		{"eks", "../../examples/eks-quickstart.yaml", "hpctl-ml-cluster"},
		{"slurm", "../../examples/slurm-quickstart.yaml", "hpctl-slurm-cluster"},
	} {
		t.Run(c.orch, func(t *testing.T) {
			f := world(t)
			_, planOut, _ := onFake(t, f, "plan", "-f", c.spec)
			m := regexp.MustCompile(`Stacks: (\d+) nested stacks to create, (\d+) to skip`).FindStringSubmatch(planOut)
			if m == nil {
				t.Fatalf("plan:\n%s", planOut)
			}
			n := m[1]
			code, out, errOut := deployOn(t, f, c.orch, c.spec, "--yes")
			rows := regexp.MustCompile(`(?m)^  \S+Stack\s+CREATE_COMPLETE\s+\S+$`).FindAllString(out[strings.LastIndex(out, "✓"):], -1)
			if code != 0 || !strings.Contains(out, "("+n+" nested stacks, "+m[2]+" skipped)") || strconv.Itoa(len(rows)) != n {
				t.Fatalf("deploy: exit %d, want %s nested stacks\n%s%s", code, n, out, errOut)
			}
			if got := nestedOf(t, f, c.stack); strconv.Itoa(len(got)) != n {
				t.Errorf("CloudFormation holds %d nested stacks %v, the plan said %s", len(got), got, n)
			}
			_, out, _ = onFake(t, f, "destroy", c.stack, "--dry-run")
			if !strings.Contains(out, "deletes its "+n+" nested stacks") {
				t.Errorf("destroy --dry-run, want %s nested stacks:\n%s", n, out)
			}
		})
	}
}
