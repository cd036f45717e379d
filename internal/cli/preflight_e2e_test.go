package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/emulator"
)

const planARN = "arn:aws:sagemaker:us-west-2:123456789012:training-plan/g5-plan"

// Through the real SDK on the emulator: each preflight check refuses what
// AWS would refuse only after a rollback, with exit 2, the spec's line and
// the exact words, before any stack exists.
func TestPreflightRefusesBeforeAnyStack(t *testing.T) {
	// setup makes what a case needs and returns more replacements; real maps
	// the example's IDs to those of the brought network.
	type setup func(e *e2e, real map[string]string) []string
	plan := func(zone string, total int) []emulator.TrainingPlan {
		return []emulator.TrainingPlan{{Name: "g5-plan", InstanceType: "ml.g5.8xlarge", ZoneID: zone, Total: total}}
	}
	withPlan := []string{"targetAvailabilityZoneId: usw2-az2", "targetAvailabilityZoneId: usw2-az2\n      trainingPlanArn: " + planARN}
	for _, tc := range []struct {
		name, example string
		settings      emulator.Settings
		setup         setup
		replace       []string
		bucket        bool   // bring the lifecycle bucket of eks-existing-eks.yaml
		keepVPC       bool   // leave the example's VPC ID, which does not exist
		line          string // the text of the spec line the finding points at
		want          string // path: message (a regular expression)
	}{
		{name: "instance type", example: "eks-quickstart.yaml", replace: []string{"ml.g5.8xlarge", "ml.g5.9xlarge"},
			line: "instanceType: ml.g5.9xlarge", want: `cluster.instanceGroups\[0\].instanceType: "ml.g5.9xlarge" is not a HyperPod instance type`},
		{name: "quota one short", example: "eks-quickstart.yaml", settings: emulator.Settings{Quotas: map[string]float64{"ml.g5.8xlarge for cluster usage": 1}},
			line: "count: 2", want: `cluster.instanceGroups\[0\].count: needs 2 ml.g5.8xlarge, 1 free: the quota "ml.g5.8xlarge for cluster usage" \((L-\w+)\) is 1; ask for 2 with aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code L-\w+ --desired-value 2 --region us-west-2`},
		{name: "quota held by another cluster", example: "eks-quickstart.yaml", settings: emulator.Settings{Quotas: map[string]float64{"ml.g5.8xlarge for cluster usage": 3}},
			setup: func(e *e2e, _ map[string]string) []string { e.otherCluster("ml.g5.8xlarge", 2); return nil },
			line:  "count: 2", want: `cluster.instanceGroups\[0\].count: needs 2 ml.g5.8xlarge, 1 free: the quota "ml.g5.8xlarge for cluster usage" \(L-\w+\) is 3, and the account's other clusters \(other\) use 2; ask for 4 with `},
		{name: "cluster cap", example: "eks-quickstart.yaml", settings: emulator.Settings{Quotas: map[string]float64{"Maximum number of instances allowed per SageMaker HyperPod cluster": 1}},
			line: "instanceGroups:", want: `cluster.instanceGroups: the groups add up to 2 instances; the quota "Maximum number of instances allowed per SageMaker HyperPod cluster" \(L-\w+\) allows 1 in one cluster`},
		{name: "training plan in another zone", example: "eks-quickstart.yaml", settings: emulator.Settings{TrainingPlans: plan("usw2-az1", 2)}, replace: withPlan,
			line: "targetAvailabilityZoneId: usw2-az2", want: `cluster.instanceGroups\[0\].targetAvailabilityZoneId: training plan g5-plan reserves capacity in usw2-az1; group workers would be in usw2-az2: target the plan's zone`},
		{name: "training plan too small", example: "eks-quickstart.yaml", settings: emulator.Settings{TrainingPlans: plan("usw2-az2", 1)}, replace: withPlan,
			line: "trainingPlanArn:", want: `cluster.instanceGroups\[0\].trainingPlanArn: training plan g5-plan has 1 of its 1 instances free; the groups on it need 2`},
		{name: "training plan missing", example: "eks-quickstart.yaml", replace: withPlan,
			line: "trainingPlanArn:", want: `cluster.instanceGroups\[0\].trainingPlanArn: no training plan g5-plan in us-west-2 \(sagemaker:DescribeTrainingPlan\)`},
		{name: "zone not in the region", example: "eks-quickstart.yaml", replace: []string{"[usw2-az1, usw2-az2]", "[usw2-az1, usw2-az7]", "Id: usw2-az2", "Id: usw2-az7"},
			line: "availabilityZoneIds:", want: `network.availabilityZoneIds\[1\]: usw2-az7 is not a zone of us-west-2; its zones are usw2-az1, usw2-az2, usw2-az3, usw2-az4`},
		{name: "brought VPC missing", example: "eks-existing-vpc.yaml", keepVPC: true,
			line: "id: vpc-", want: `network.vpc.id: no VPC vpc-0a1b2c3d4e5f67890 in us-west-2 \(ec2:DescribeVpcs\)`},
		{name: "brought subnet in the wrong zone", example: "eks-existing-vpc.yaml", replace: []string{"count: 4", "count: 4\n      targetAvailabilityZoneId: usw2-az3"},
			line: "privateSubnetIds:", want: `network.vpc.privateSubnetIds\[0\]: subnet subnet-\w+ is in zone usw2-az1; the spec's zones are usw2-az3`},
		{name: "brought subnets too small", example: "eks-existing-vpc.yaml", replace: []string{"count: 4", "count: 600"},
			settings: emulator.Settings{Quotas: map[string]float64{"ml.g5.12xlarge for cluster usage": 1000, "Maximum number of instances allowed per SageMaker HyperPod cluster": 1000,
				"Total number of instances allowed across SageMaker HyperPod clusters": 1000}},
			line: "privateSubnetIds:", want: `network.vpc.privateSubnetIds: the subnets have 502 free addresses; the groups need at least 600, one per node`},
		{name: "security group of another VPC", example: "eks-existing-vpc.yaml", setup: func(e *e2e, _ map[string]string) []string {
			return []string{"sg-0a1b2c3d4e5f67890", e.otherGroup()}
		}, line: "securityGroup:", want: `network.securityGroup.ids\[0\]: security group sg-\w+ is in vpc-\w+, not in network.vpc.id vpc-\w+`},
		{name: "EKS cluster missing", example: "eks-existing-eks.yaml", bucket: true, replace: []string{"existing: platform-eks", "existing: platform-eks-2"},
			line: "existing: platform-eks-2", want: `kubernetes.cluster.existing: no EKS cluster platform-eks-2 in us-west-2 \(eks:DescribeCluster\)`},
		{name: "EKS cluster without access entries", example: "eks-existing-eks.yaml", bucket: true, setup: func(e *e2e, real map[string]string) []string {
			subnets := []string{real["subnet-0a1b2c3d4e5f60001"], real["subnet-0a1b2c3d4e5f60002"]}
			if err := emulator.BringEKSWith(e.ctx, e.c, "config-map-eks", "config-map-eks", subnets, "CONFIG_MAP"); err != nil {
				e.t.Fatal(err)
			}
			return []string{"existing: platform-eks", "existing: config-map-eks"}
		}, line: "existing: config-map-eks", want: `kubernetes.cluster.existing: EKS cluster config-map-eks authenticates by CONFIG_MAP; HyperPod needs access entries \(API or API_AND_CONFIG_MAP\): aws eks update-cluster-config --name config-map-eks --access-config authenticationMode=API_AND_CONFIG_MAP`},
		{name: "bucket missing", example: "eks-existing-eks.yaml",
			line: "bucket: {name:", want: `storage.bucket.name: no bucket sagemaker-ml-team-lifecycle \(s3:ListBucket\)`},
		{name: "role missing", example: "eks-existing-eks.yaml", bucket: true, replace: []string{"name: SageMakerHyperPodExecutionRole", "name: OtherRole"},
			line: "executionRole:", want: `iam.executionRole.name: no IAM role OtherRole in this account \(iam:GetRole\)`},
		{name: "role that does not trust SageMaker", example: "eks-existing-eks.yaml", bucket: true, setup: func(e *e2e, _ map[string]string) []string {
			e.role("Ec2OnlyRole", "ec2.amazonaws.com")
			return []string{"name: SageMakerHyperPodExecutionRole", "name: Ec2OnlyRole"}
		}, line: "executionRole:", want: `iam.executionRole.name: role Ec2OnlyRole does not trust sagemaker.amazonaws.com, so HyperPod's nodes cannot assume it`},
		{name: "route table of another VPC", example: "eks-existing-vpc.yaml", setup: func(e *e2e, _ map[string]string) []string {
			return []string{"rtb-0a1b2c3d4e5f60002", e.otherTable()}
		}, line: "eksPrivateRouteTableIds:", want: `network.vpc.eksPrivateRouteTableIds\[0\]: route table rtb-\w+ is in vpc-\w+, not in network.vpc.id vpc-\w+`},
		{name: "FSx in another zone", example: "eks-existing-eks.yaml", bucket: true,
			replace: []string{"[subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]", "[subnet-0a1b2c3d4e5f60002]"},
			line:    "fsx: {id:", want: `storage.fsx.id: file system fs-\w+ is in usw2-az1; the nodes' subnets \(network.vpc.privateSubnetIds\) are in usw2-az2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := onEmulator(t, tc.settings)
			var replace []string
			real := map[string]string{}
			if strings.Contains(tc.example, "existing") {
				for pairs, i := e.broughtNetwork(), 0; i < len(pairs); i += 2 {
					real[pairs[i]] = pairs[i+1]
					if !(tc.keepVPC && strings.HasPrefix(pairs[i], "vpc-")) {
						replace = append(replace, pairs[i], pairs[i+1])
					}
				}
			}
			if tc.setup != nil {
				// The case's replacements first: they take precedence.
				replace = append(tc.setup(e, real), replace...)
			}
			if tc.bucket {
				e.bucket("sagemaker-ml-team-lifecycle", "hyperpod/on_create.sh")
			}
			// The case's own changes first, then the real IDs in what they wrote.
			spec := specFile(t, tc.example, tc.replace...)
			spec = specFile(t, spec, replace...)
			counter, err := emulator.NewCounter(e.emu.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = counter.Close() })
			t.Setenv("AWS_ENDPOINT_URL", counter.URL)
			code, out, errOut := e.deploy("eks", spec, "--yes")
			want := regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf("%s:%d:", spec, lineOf(t, spec, tc.line))) + `\d+: ` + tc.want)
			if code != ExitUsage || !want.MatchString(errOut) {
				t.Fatalf("exit %d, want 2 and %s\n%s%s", code, want, out, errOut)
			}
			// Nothing was asked of CloudFormation, and nothing written.
			for op, n := range counter.Counts() {
				if cloudFormationOps[op] || op == "S3 PUT" || op == "S3 POST" || op == "S3 DELETE" {
					t.Errorf("%s was called %d times before the refusal", op, n)
				}
			}
			if _, err := e.c.CloudFormation.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("hpctl-" + name(t, spec))}); !cloud.StackMissing(err) {
				t.Errorf("a stack exists after a refusal: %v", err)
			}
		})
	}
}

// A finding that need not stop the deploy is a warning, and the deploy
// goes on: EC2 offers no g5.8xlarge in usw2-az4.
func TestPreflightWarnsAndGoesOn(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.1})
	spec := specFile(t, "eks-quickstart.yaml", "[usw2-az1, usw2-az2]", "[usw2-az1, usw2-az4]", "Id: usw2-az2", "Id: usw2-az4")
	code, out, errOut := e.deploy("eks", spec, "--yes")
	want := fmt.Sprintf("%s:%d:21: warning: cluster.instanceGroups[0].instanceType: EC2 does not offer g5.8xlarge in usw2-az4 (ec2:DescribeInstanceTypeOfferings); HyperPod may not find ml.g5.8xlarge capacity there either\n",
		spec, lineOf(t, spec, "instanceType: ml.g5.8xlarge"))
	if code != 0 || !strings.Contains(errOut, want) || !strings.Contains(out, "Preflight passed: 2 checks") {
		t.Fatalf("exit %d, want 0 and %q\n%s%s", code, want, out, errOut)
	}
}

// The passing case says nothing but its one line, with the calls it made:
// a quickstart's two checks, and the six of a spec that brings everything.
func TestPreflightPassesQuietly(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.1})
	code, out, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml", "--yes")
	if code != 0 || !regexp.MustCompile(`(?m)^Preflight passed: 2 checks, [1-9]\d* AWS calls, \d+\.\d s\n`).MatchString(out) || errOut != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	spec := specFile(t, "eks-existing-eks.yaml", e.broughtNetwork()...)
	e.bucket("sagemaker-ml-team-lifecycle", "hyperpod/on_create.sh")
	code, out, errOut = e.deploy("eks", spec, "--yes")
	if code != 0 || !regexp.MustCompile(`(?m)^Preflight passed: 6 checks, [1-9]\d* AWS calls, \d+\.\d s\n`).MatchString(out) || errOut != "" {
		t.Fatalf("brought: exit %d\n%s%s", code, out, errOut)
	}
}

// With --output json the findings are a record of the stream, every line
// JSON; --skip-preflight leaves a check out.
func TestPreflightInTheStreamAndSkipped(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.1,
		Quotas: map[string]float64{"ml.g5.8xlarge for cluster usage": 1}})
	code, out, _ := e.deploy("eks", "../../examples/eks-quickstart.yaml", "--yes", "--output", "json")
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		if rec["type"] == "preflight" {
			found = strings.Contains(line, `"path":"cluster.instanceGroups[0].count"`) && strings.Contains(line, `"calls":`)
		}
	}
	if code != ExitUsage || !found {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml", "--yes", "--skip-preflight", "quotas")
	if code != 0 || !strings.Contains(out, "Preflight passed: 1 check, ") || !strings.Contains(out, "skipped: quotas") {
		t.Fatalf("skipped: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml", "--skip-preflight", "quota"); code != ExitUsage ||
		!strings.Contains(errOut, "--skip-preflight quota: no such check; the checks are quotas, training-plans, network, zones, eks, bucket, role, fsx (or all)") {
		t.Errorf("a bad name: exit %d\n%s", code, errOut)
	}
}

// cloudFormationOps are the CloudFormation operations hpctl calls.
var cloudFormationOps = func() map[string]bool {
	out := map[string]bool{}
	typ := reflect.TypeFor[cloud.CloudFormation]()
	for i := range typ.NumMethod() {
		out[typ.Method(i).Name] = true
	}
	return out
}()

// otherCluster makes a HyperPod cluster named other with n instances of a type.
func (e *e2e) otherCluster(instanceType string, n int32) {
	e.t.Helper()
	_, err := e.c.SageMaker.CreateCluster(e.ctx, &sagemaker.CreateClusterInput{ClusterName: aws.String("other"),
		InstanceGroups: []smtypes.ClusterInstanceGroupSpecification{{InstanceGroupName: aws.String("g"), InstanceType: smtypes.ClusterInstanceType(instanceType),
			InstanceCount: aws.Int32(n), ExecutionRole: aws.String("arn:aws:iam::123456789012:role/exec"),
			LifeCycleConfig: &smtypes.ClusterLifeCycleConfig{SourceS3Uri: aws.String("s3://sagemaker-other"), OnCreate: aws.String("on_create.sh")}}}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// role makes an IAM role that the service trusts.
func (e *e2e) role(name, service string) {
	e.t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := e.c.IAM.CreateRole(e.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		e.t.Fatal(err)
	}
}

// otherTable makes a route table in a VPC of its own.
func (e *e2e) otherTable() string {
	e.t.Helper()
	vpc, err := e.c.EC2.CreateVpc(e.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.61.0.0/16")})
	if err != nil {
		e.t.Fatal(err)
	}
	rt, err := e.c.EC2.CreateRouteTable(e.ctx, &ec2.CreateRouteTableInput{VpcId: vpc.Vpc.VpcId})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(rt.RouteTable.RouteTableId)
}

// otherGroup makes a security group in a VPC of its own.
func (e *e2e) otherGroup() string {
	e.t.Helper()
	vpc, err := e.c.EC2.CreateVpc(e.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.60.0.0/16")})
	if err != nil {
		e.t.Fatal(err)
	}
	sg, err := e.c.EC2.CreateSecurityGroup(e.ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("other"), Description: aws.String("other"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(sg.GroupId)
}

// lineOf is the number of the first line of a file holding text.
func lineOf(t *testing.T, file, text string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", file, text)
	return 0
}

// name is the spec's metadata.name.
func name(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^  name: (\S+)`).FindStringSubmatch(string(b))[1]
}
