package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
	"github.com/hpctl/hpctl/templates"
)

// fullEKS creates every component and switches every feature on.
const fullEKS = `apiVersion: hpctl/v1alpha1
kind: Cluster
metadata: {name: ml, region: us-west-2}
orchestrator: eks
network:
  availabilityZoneIds: [usw2-az1, usw2-az2]
  vpc: {cidr: 10.192.0.0/16}
  securityGroup: {}
  s3Endpoint: true
kubernetes:
  cluster: {name: eks}
  helm: {install: true}
storage:
  bucket: {}
  lifecycleScripts: true
  fsx: {capacityGiB: 1200}
iam:
  executionRole: {}
cluster:
  instanceGroups:
    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}
features:
  inferenceOperator: true
  observability: true
`

const fullSlurm = `apiVersion: hpctl/v1alpha1
kind: Cluster
metadata: {name: sl, region: us-west-2}
orchestrator: slurm
network:
  availabilityZoneIds: [usw2-az1, usw2-az2]
  vpc: {cidr: 10.192.0.0/16}
  securityGroup: {}
storage:
  bucket: {}
  lifecycleScripts: true
  fsx: {capacityGiB: 1200}
iam:
  executionRole: {}
cluster:
  instanceGroups:
    - {name: controller, type: Controller, instanceType: ml.c5.xlarge, count: 1}
    - {name: workers, type: Compute, instanceType: ml.g5.8xlarge, count: 2}
slurm:
  accountingDatabase: {}
features:
  observability: true
ssm: true
`

// broughtVPC replaces fullEKS's network with brought IDs (and places FSx,
// which then has no zone list to pick from).
func bringVPC(text string) string {
	return edit(text, "  availabilityZoneIds: [usw2-az1, usw2-az2]\n  vpc: {cidr: 10.192.0.0/16}\n", broughtVPC,
		"fsx: {capacityGiB: 1200}", "fsx: {capacityGiB: 1200, subnetId: subnet-0a1b2c3d4e5f60001}")
}

const broughtVPC = `  vpc:
    id: vpc-0a1b2c3d4e5f67890
    privateSubnetIds: [subnet-0a1b2c3d4e5f60001]
    eksPrivateSubnetIds: [subnet-0a1b2c3d4e5f60002, subnet-0a1b2c3d4e5f60003]
    privateRouteTableIds: [rtb-0a1b2c3d4e5f60001]
    eksPrivateRouteTableIds: [rtb-0a1b2c3d4e5f60002]
`

func edit(base string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(base, pairs[i]) {
			panic(fmt.Sprintf("edit: %q not in base", pairs[i]))
		}
		base = strings.Replace(base, pairs[i], pairs[i+1], 1)
	}
	return base
}

func resolve(t testing.TB, text string) (*Plan, spec.Diagnostics) {
	t.Helper()
	c, ds := spec.Load("t.yaml", []byte(text))
	if ds.HasErrors() {
		t.Fatalf("spec errors:\n%v", ds)
	}
	p, pd := Resolve(c, Options{Region: c.Metadata.Region, Main: embedded(t, string(c.Orchestrator))})
	return p, append(ds, pd...)
}

// embedded is hpctl's embedded copy of the newest hosted main stack.
func embedded(t testing.TB, orchestrator string) *template.Main {
	t.Helper()
	m, err := templates.Main(orchestrator)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustPlan(t *testing.T, text string) *Plan {
	t.Helper()
	p, ds := resolve(t, text)
	if ds.HasErrors() {
		t.Fatalf("plan errors:\n%v", ds.Errors())
	}
	return p
}

// Each core stack, switched off by the spec setting that owns it, while the
// rest of the spec stays as it was.
func TestStackSwitches(t *testing.T) {
	for _, tc := range []struct {
		base, name  string
		edits       []string
		skip        []string
		switchParam string
		switchValue string
		params      map[string]string
	}{
		{fullEKS, "bring the VPC", []string{"  availabilityZoneIds: [usw2-az1, usw2-az2]\n  vpc: {cidr: 10.192.0.0/16}\n", broughtVPC,
			"fsx: {capacityGiB: 1200}", "fsx: {capacityGiB: 1200, subnetId: subnet-0a1b2c3d4e5f60001}"}, []string{"VPCStack", "PrivateSubnetStack"}, "CreateVPCStack", "false", map[string]string{
			"VpcId": "vpc-0a1b2c3d4e5f67890", "PrivateSubnetIds": "subnet-0a1b2c3d4e5f60001",
			"EksPrivateSubnetIds": "subnet-0a1b2c3d4e5f60002,subnet-0a1b2c3d4e5f60003", "PrivateRouteTableIds": "rtb-0a1b2c3d4e5f60001",
			"EksPrivateRouteTableIds": "rtb-0a1b2c3d4e5f60002", "NatGatewayIds": "", "AvailabilityZoneIds": ""}},
		{fullEKS, "bring security groups", []string{"securityGroup: {}", "securityGroup: {ids: [sg-0a1b2c3d4e5f67890]}"}, []string{"SecurityGroupStack"}, "CreateSecurityGroupStack", "false", map[string]string{"SecurityGroupIds": "sg-0a1b2c3d4e5f67890"}},
		{fullEKS, "bring the EKS cluster", []string{"cluster: {name: eks}", "cluster: {existing: platform}"}, []string{"EKSClusterStack"}, "CreateEKSClusterStack", "false", map[string]string{"EKSClusterName": "platform"}},
		{fullEKS, "bring the bucket", []string{"bucket: {}", "bucket: {name: sagemaker-team}"}, []string{"S3BucketStack"}, "CreateS3BucketStack", "false", map[string]string{"S3BucketName": "sagemaker-team", "OnCreatePath": "on_create.sh"}},
		{fullEKS, "no S3 endpoint", []string{"s3Endpoint: true", "s3Endpoint: false"}, []string{"S3EndpointStack"}, "CreateS3EndpointStack", "false", nil},
		{fullEKS, "no lifecycle scripts", []string{"bucket: {}", "bucket: {name: sagemaker-team}", "lifecycleScripts: true", "lifecycleScripts: false"}, []string{"LifeCycleScriptStack", "S3BucketStack"}, "CreateLifeCycleScriptStack", "false", nil},
		{fullEKS, "bring the role", []string{"executionRole: {}", "executionRole: {name: my-role}"}, []string{"SageMakerIAMRoleStack"}, "CreateSageMakerIAMRoleStack", "false", map[string]string{"SageMakerIAMRoleName": "my-role"}},
		{fullEKS, "no Helm chart on a brought EKS", []string{"cluster: {name: eks}", "cluster: {existing: platform}", "install: true", "install: false"}, []string{"HelmChartStack", "EKSClusterStack"}, "CreateHelmChartStack", "false", nil},
		{fullEKS, "no HyperPod cluster", []string{"  instanceGroups:\n    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n", "  create: false\n", "inferenceOperator: true", "inferenceOperator: false", "observability: true", "observability: false"},
			[]string{"HyperPodClusterStack", "InferenceOperatorMainStack", "PrivateSubnetTagsStack", "CertManagerStack", "ObservabilityCustomStack"}, "CreateHyperPodClusterStack", "false", nil},
		{fullEKS, "no FSx", []string{"fsx: {capacityGiB: 1200}", "fsx: false"}, []string{"FsxFilesystemStack", "FsxK8sIntegrationStack"}, "CreateFsxStack", "false", nil},
		{fullEKS, "no inference operator", []string{"inferenceOperator: true", "inferenceOperator: false"}, []string{"InferenceOperatorMainStack", "PrivateSubnetTagsStack", "CertManagerStack"}, "EnableHPInferenceFeature", "false", nil},
		{fullEKS, "no observability", []string{"observability: true", "observability: false"}, []string{"ObservabilityCustomStack"}, "EnableObservabilityFeature", "false", nil},
		{fullSlurm, "slurm: bring the network", []string{"  vpc: {cidr: 10.192.0.0/16}\n", "  vpc: {id: vpc-0a1b2c3d4e5f67890, privateSubnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]}\n", "fsx: {capacityGiB: 1200}", "fsx: {capacityGiB: 1200, subnetId: subnet-0a1b2c3d4e5f60001}"}, []string{"VPCStack"}, "CreateVPCStack", "false", map[string]string{"VpcId": "vpc-0a1b2c3d4e5f67890", "PrivateSubnetIds": "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002"}},
		{fullSlurm, "slurm: bring the group", []string{"securityGroup: {}", "securityGroup: {ids: [sg-0a1b2c3d4e5f67890]}"}, []string{"SecurityGroupStack"}, "CreateSecurityGroupStack", "false", map[string]string{"SecurityGroupId": "sg-0a1b2c3d4e5f67890"}},
		{fullSlurm, "slurm: bring the bucket", []string{"bucket: {}", "bucket: {name: sagemaker-team}"}, []string{"LifeCycleBucket", "S3BucketStack"}, "CreateS3BucketStack", "false", nil},
		{fullSlurm, "slurm: no scripts", []string{"bucket: {}", "bucket: {name: sagemaker-team}", "lifecycleScripts: true", "lifecycleScripts: false"}, []string{"LifeCycleScriptStack", "LifeCycleBucket", "S3BucketStack"}, "CreateLifeCycleScriptStack", "false", nil},
		{fullSlurm, "slurm: a new bucket without scripts", []string{"lifecycleScripts: true", "lifecycleScripts: false"}, []string{"LifeCycleScriptStack", "LifeCycleBucket"}, "CreateLifeCycleScriptStack", "false", nil},
		{fullSlurm, "slurm: no accounting database", []string{"slurm:\n  accountingDatabase: {}\n", ""}, []string{"AccountingDatabaseStack"}, "CreateAccountingDatabase", "false", nil},
		{fullSlurm, "slurm: a brought accounting database", []string{"accountingDatabase: {}", "accountingDatabase: {endpoint: db.example.com, secretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:acct-AbCdEf'}"},
			[]string{"AccountingDatabaseStack"}, "CreateAccountingDatabase", "false", map[string]string{
				"AccountingDatabaseConfig":    `{"Endpoint":"db.example.com","SecretArn":"arn:aws:secretsmanager:us-west-2:123456789012:secret:acct-AbCdEf"}`,
				"AccountingDatabaseSecretArn": "arn:aws:secretsmanager:us-west-2:123456789012:secret:acct-AbCdEf"}},
		{fullSlurm, "slurm: no observability", []string{"observability: true", "observability: false"}, []string{"ObservabilityStack"}, "EnableObservabilityFeature", "false", nil},
		{fullSlurm, "slurm: bring the role", []string{"executionRole: {}", "executionRole: {name: my-role}"}, []string{"SageMakerIAMRoleStack"}, "CreateSageMakerIAMRoleStack", "false", nil},
		{fullSlurm, "slurm: no FSx", []string{"fsx: {capacityGiB: 1200}", "fsx: false"}, []string{"FsxStack"}, "CreateFsxStack", "false", nil},
		{fullSlurm, "slurm: no cluster", []string{"  instanceGroups:\n    - {name: controller, type: Controller, instanceType: ml.c5.xlarge, count: 1}\n    - {name: workers, type: Compute, instanceType: ml.g5.8xlarge, count: 2}\n", "  create: false\n"},
			[]string{"HyperPodClusterStack"}, "CreateHyperPodClusterStack", "false", nil},
		{fullSlurm, "slurm: no SSM", []string{"ssm: true", "ssm: false"}, []string{"SSMStack"}, "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := mustPlan(t, tc.base)
			for _, s := range full.Stacks {
				// The Slurm bucket comes from the lifecycle-script stack or from a stack of its own, never both.
				if s.Core && s.Action != Create && s.Name != "S3BucketStack" || s.Name == "S3BucketStack" && full.Orchestrator == "slurm" && s.Action == Create {
					t.Fatalf("the full spec skips %s: %s", s.Name, s.Reason)
				}
			}
			p := mustPlan(t, edit(tc.base, tc.edits...))
			for _, s := range p.Stacks {
				want := Create
				if !s.Core && (s.Name != "CertManagerStack") {
					continue
				}
				if slices.Contains(tc.skip, s.Name) || s.Name == "S3BucketStack" && p.Orchestrator == "slurm" && !slices.Contains(tc.skip, "LifeCycleBucket") {
					want = Skip
				}
				if s.Name == "S3BucketStack" && p.Orchestrator == "slurm" && tc.name == "slurm: a new bucket without scripts" {
					want = Create
				}
				if s.Action != want {
					t.Errorf("%s: %s, want %s (%s)", s.Name, s.Action, want, s.Reason)
				}
				if s.Reason == "" || (s.Core && s.DecidedBy == "") {
					t.Errorf("%s has no reason or spec path", s.Name)
				}
			}
			if tc.switchParam != "" && p.Value(tc.switchParam) != tc.switchValue {
				t.Errorf("%s = %q, want %q", tc.switchParam, p.Value(tc.switchParam), tc.switchValue)
			}
			// What the skipped stack would have fed now comes from the spec.
			for name, want := range tc.params {
				if got := p.Value(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range tc.skip {
				s, _ := p.Stack(name)
				for _, param := range s.SuppliedBy {
					if _, ok := tc.params[param]; !ok && tc.params != nil {
						t.Errorf("%s is supplied by %s, which the test does not check", name, param)
					}
				}
			}
		})
	}
}

// The observability stacks write to a Prometheus workspace, the EKS add-on
// as a role of its own. A spec brings neither, and the templates' defaults
// (no workspace ID, no role) would give the add-on a pod identity without a
// role, which EKS refuses: the plan has the templates make both.
func TestObservabilityMakesItsWorkspaceAndRole(t *testing.T) {
	for _, tc := range []struct {
		base string
		want map[string]string
	}{
		{fullEKS, map[string]string{"EnableObservabilityFeature": "true", "CreatePrometheusWorkspace": "true", "CreateHyperPodObservabilityRole": "true"}},
		{fullSlurm, map[string]string{"EnableObservabilityFeature": "true", "CreatePrometheusWorkspace": "true"}},
	} {
		p := mustPlan(t, tc.base)
		for name, want := range tc.want {
			if got := p.Value(name); got != want {
				t.Errorf("%s: %s = %q, want %q", p.Orchestrator, name, got, want)
			}
		}
	}
}

// A skipped stack's outputs must come from the spec; a missing one is an
// error naming the parameter, the spec path and the consumers.
func TestRequiredIfDisabled(t *testing.T) {
	brought := bringVPC(fullEKS)
	for _, tc := range []struct {
		name, spec string
		want       []string
	}{
		{"private subnets", edit(brought, "    privateSubnetIds: [subnet-0a1b2c3d4e5f60001]\n", ""),
			[]string{"network.vpc.privateSubnetIds: is required: PrivateSubnetIds feeds SageMakerIAMRoleStack, HyperPodClusterStack, FsxFilesystemStack, FsxK8sIntegrationStack, PrivateSubnetTagsStack, ObservabilityCustomStack, and PrivateSubnetStack is skipped"}},
		{"EKS subnets", edit(brought, "    eksPrivateSubnetIds: [subnet-0a1b2c3d4e5f60002, subnet-0a1b2c3d4e5f60003]\n", ""),
			[]string{"network.vpc.eksPrivateSubnetIds: is required: EksPrivateSubnetIds feeds EKSClusterStack"}},
		{"route tables", edit(brought, "    privateRouteTableIds: [rtb-0a1b2c3d4e5f60001]\n", ""),
			[]string{"network.vpc.privateRouteTableIds: is required: PrivateRouteTableIds feeds S3EndpointStack", "or set network.s3Endpoint: false"}},
		{"EKS route tables", edit(brought, "    eksPrivateRouteTableIds: [rtb-0a1b2c3d4e5f60002]\n", ""),
			[]string{"network.vpc.eksPrivateRouteTableIds: is required: EksPrivateRouteTableIds feeds S3EndpointStack"}},
		{"slurm subnets", edit(fullSlurm, "  vpc: {cidr: 10.192.0.0/16}\n", "  vpc: {id: vpc-0a1b2c3d4e5f67890}\n", "fsx: {capacityGiB: 1200}", "fsx: {capacityGiB: 1200, availabilityZoneId: usw2-az1}"),
			[]string{"network.vpc.privateSubnetIds: is required: PrivateSubnetIds feeds AccountingDatabaseStack, FsxStack, HyperPodClusterStack, ObservabilityStack"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := resolve(t, tc.spec)
			assertDiags(t, ds, tc.want)
		})
	}
	// Route tables are not needed once the endpoint is off.
	mustPlan(t, edit(brought, "    privateRouteTableIds: [rtb-0a1b2c3d4e5f60001]\n", "", "    eksPrivateRouteTableIds: [rtb-0a1b2c3d4e5f60002]\n", "", "s3Endpoint: true", "s3Endpoint: false"))
	// EKS subnets are not needed with a brought EKS cluster.
	mustPlan(t, edit(brought, "    eksPrivateSubnetIds: [subnet-0a1b2c3d4e5f60002, subnet-0a1b2c3d4e5f60003]\n", "", "cluster: {name: eks}", "cluster: {existing: platform}"))
}

func TestTraps(t *testing.T) {
	noInf := edit(fullEKS, "inferenceOperator: true", "inferenceOperator: false", "observability: true", "observability: false")
	for _, tc := range []struct {
		name, spec string
		region     string
		want       []string
		warnOnly   bool
	}{
		{name: "new EKS without Helm skips the cluster", spec: edit(noInf, "install: true", "install: false"),
			want: []string{"kubernetes.helm.install: the hosted template silently skips the HyperPod cluster"}},
		{name: "inference without the cluster", spec: edit(fullEKS, "  instanceGroups:\n    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n", "  create: false\n", "observability: true", "observability: false"),
			want: []string{"features.inferenceOperator: InferenceOperatorMainStack needs HyperPodClusterStack: it reads HyperPodClusterStack.HyperPodClusterArn unconditionally, but cluster.create skips it"}},
		{name: "observability without the cluster", spec: edit(fullEKS, "  instanceGroups:\n    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n", "  create: false\n", "inferenceOperator: true", "inferenceOperator: false"),
			want: []string{"features.observability: ObservabilityCustomStack needs HyperPodClusterStack: it names HyperPodClusterStack in DependsOn"}},
		{name: "observability outside its regions", spec: edit(fullEKS, "region: us-west-2", "region: af-south-1", "[usw2-az1, usw2-az2]", "[afs1-az1, afs1-az2]"),
			want: []string{"features.observability: observability is not available in af-south-1"}},
		{name: "Karpenter without continuous provisioning", spec: edit(noInf, "  instanceGroups:", "  autoScaler: Karpenter\n  instanceGroups:"),
			want: []string{"cluster.autoScaler: Karpenter needs cluster.nodeProvisioningMode: Continuous"}},
		{name: "new bucket without scripts", spec: edit(noInf, "lifecycleScripts: true", "lifecycleScripts: false"),
			want: []string{"storage.lifecycleScripts: the new bucket would be empty, yet the cluster runs on_create.sh from it"}},
		{name: "a placeholder ID", spec: edit(noInf, "securityGroup: {}", "securityGroup: {ids: [sg-1234567890abcdef0]}"),
			want: []string{"network.securityGroup.ids: sg-1234567890abcdef0 is the hosted template's placeholder"}},
		{name: "onCreatePath with a new bucket", spec: edit(noInf, "bucket: {}", "bucket: {onCreatePath: x.sh}"),
			want: []string{"storage.bucket.onCreatePath: applies to a brought bucket"}},
		{name: "zones of another region", spec: edit(noInf, "region: us-west-2", "region: us-east-1"),
			want: []string{"network.availabilityZoneIds[0]: usw2-az1 is a zone of another region: zone IDs of us-east-1 start with use1-"}},
		{name: "no zones for a new VPC", spec: edit(noInf, "  availabilityZoneIds: [usw2-az1, usw2-az2]\n", ""),
			want: []string{"network.availabilityZoneIds: is required when hpctl creates the VPC"}},
		{name: "one zone for a new EKS cluster", spec: edit(noInf, "[usw2-az1, usw2-az2]", "[usw2-az1]"),
			want: []string{"a new EKS cluster needs subnets in at least 2 zones"}},
		{name: "group in a zone without subnets", spec: edit(noInf, "count: 2}", "count: 2, targetAvailabilityZoneId: usw2-az3}"),
			want: []string{"cluster.instanceGroups[0].targetAvailabilityZoneId: usw2-az3 is not one of network.availabilityZoneIds"}},
		{name: "FSx zone with a brought VPC", spec: edit(noInf, "  vpc: {cidr: 10.192.0.0/16}\n", broughtVPC, "  availabilityZoneIds: [usw2-az1, usw2-az2]\n", ""),
			want: []string{"storage.fsx: needs availabilityZoneId or subnetId with a brought VPC"}},
		{name: "scratch FSx", spec: edit(noInf, "fsx: {capacityGiB: 1200}", "fsx: {deploymentType: SCRATCH_2}"),
			want: []string{"storage.fsx.deploymentType: SCRATCH_2 file systems take no throughput"}},
		{name: "FSx throughput", spec: edit(noInf, "fsx: {capacityGiB: 1200}", "fsx: {throughputPerTiB: 300}"),
			want: []string{"storage.fsx.throughputPerTiB: 300 MB/s/TiB is not offered for PERSISTENT_2; choose one of 125, 250, 500, 1000"}},
		{name: "FSx size", spec: edit(noInf, "fsx: {capacityGiB: 1200}", "fsx: {capacityGiB: 1500}"),
			want: []string{"storage.fsx.capacityGiB: 1500 GiB is not a Lustre size for PERSISTENT_2"}},
		{name: "no region", spec: edit(noInf, "metadata: {name: ml, region: us-west-2}", "metadata: {name: ml}"),
			want: []string{"metadata.region: no region"}},
		{name: "slurm bucket without scripts", spec: edit(fullSlurm, "lifecycleScripts: true", "lifecycleScripts: false"), warnOnly: true,
			want: []string{"warning: storage.lifecycleScripts: the new bucket sagemaker-sl-bucket starts empty and no storage.bucket.onCreatePath is set"}},
		{name: "slurm accounting database in one zone", spec: edit(fullSlurm, "[usw2-az1, usw2-az2]", "[usw2-az1]"),
			want: []string{"slurm.accountingDatabase: a new accounting database needs private subnets in at least 2 zones"}},
		{name: "two security groups with a new EKS file system", spec: edit(bringVPC(noInf), "securityGroup: {}", "securityGroup: {ids: [sg-0a1b2c3d4e5f67890, sg-0a1b2c3d4e5f67891]}"),
			want: []string{`network.securityGroup.ids: brings 2 values, but FsxFilesystemStack takes SecurityGroupIds as one String and wraps it in a one-element list for AWS::FSx::FileSystem SecurityGroupIds: "sg-0a1b2c3d4e5f67890,sg-0a1b2c3d4e5f67891" would be one invalid ID`}},
		{name: "two security groups with EKS observability", spec: edit(bringVPC(noInf), "securityGroup: {}", "securityGroup: {ids: [sg-0a1b2c3d4e5f67890, sg-0a1b2c3d4e5f67891]}",
			"observability: false", "observability: true", "fsx: {capacityGiB: 1200, subnetId: subnet-0a1b2c3d4e5f60001}", "fsx: {id: fs-0123456789abcdef0}"),
			want: []string{`network.securityGroup.ids: brings 2 values, but ObservabilityCustomStack takes SecurityGroupId as one String and wraps it in a one-element list for its two VPC endpoints`}},
		{name: "slurm cannot augment a group", spec: edit(fullSlurm, "securityGroup: {}", "securityGroup: {id: sg-0a1b2c3d4e5f67890}"),
			want: []string{"network.securityGroup.id: the Slurm security-group stack cannot add rules to an existing group"}},
		{name: "slurm takes one group", spec: edit(fullSlurm, "securityGroup: {}", "securityGroup: {ids: [sg-0a1b2c3d4e5f67890, sg-0a1b2c3d4e5f67891]}"),
			want: []string{"the Slurm main stack takes one security group"}},
		{name: "slurm S3 endpoint", spec: edit(fullSlurm, "  securityGroup: {}\n", "  securityGroup: {}\n  s3Endpoint: false\n"),
			want: []string{"network.s3Endpoint: cannot be switched off for Slurm"}},
		// Warnings: the deploy may go ahead, but not silently.
		{name: "inference on a brought EKS", spec: edit(fullEKS, "cluster: {name: eks}", "cluster: {existing: platform}", "observability: true", "observability: false"), warnOnly: true,
			want: []string{"warning: features.inferenceOperator: with a brought EKS cluster the template passes empty OIDC provider URLs"}},
		{name: "inference without FSx", spec: edit(fullEKS, "fsx: {capacityGiB: 1200}", "fsx: false"), warnOnly: true,
			want: []string{"warning: features.inferenceOperator: the FSx stack (FsxK8sIntegrationStack) is what associates the EKS OIDC provider"}},
		{name: "inference with a brought bucket", spec: edit(fullEKS, "bucket: {}", "bucket: {name: sagemaker-team}"), warnOnly: true,
			want: []string{"the inference TLS bucket logs into sagemaker-ml-logs", "LifeCycleScriptStack writes on_create.sh at the root of sagemaker-team"}},
		{name: "brought role, bucket outside sagemaker-*", spec: edit(noInf, "bucket: {}", "bucket: {name: team-scripts}", "lifecycleScripts: true", "lifecycleScripts: false", "executionRole: {}", "executionRole: {name: my-role}"), warnOnly: true,
			want: []string{"warning: storage.bucket.name: the lifecycle bucket team-scripts does not start with sagemaker-"}},
		{name: "slurm deletes a brought bucket's objects", spec: edit(fullSlurm, "bucket: {}", "bucket: {name: sagemaker-team}"), warnOnly: true,
			want: []string{"deleting it (hpctl destroy) deletes every object in that bucket"}},
		{name: "slurm SSM export", spec: fullSlurm, warnOnly: true, want: []string{"warning: ssm: the SSM stack exports the fixed name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := resolve(t, tc.spec)
			if tc.warnOnly && ds.HasErrors() {
				t.Errorf("errors where only warnings are due:\n%v", ds.Errors())
			}
			if !tc.warnOnly && !ds.HasErrors() {
				t.Errorf("no error")
			}
			assertDiags(t, ds, tc.want)
		})
	}
}

func assertDiags(t *testing.T, ds spec.Diagnostics, want []string) {
	t.Helper()
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	text := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("want %q in:\n%s", w, text)
		}
	}
}

func examples(t testing.TB) map[string]*Plan {
	files, _ := filepath.Glob("../../examples/*.yaml")
	out := map[string]*Plan{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, ds := resolve(t, string(data))
		if ds.HasErrors() {
			t.Fatalf("%s:\n%v", f, ds.Errors())
		}
		out[filepath.Base(f)] = p
	}
	return out
}

func TestExamples(t *testing.T) {
	ps := examples(t)
	if len(ps) < 5 {
		t.Fatalf("%d examples", len(ps))
	}
	for name, p := range ps {
		core := 0
		for _, s := range p.Stacks {
			if s.Core {
				core++
			}
		}
		want := map[string]int{"eks": 15, "slurm": 11}[p.Orchestrator]
		if core != want {
			t.Errorf("%s lists %d stacks, want %d", name, core, want)
		}
	}
}

// No placeholder default reaches CloudFormation: neither as a value hpctl
// sends nor as a default left in place.
func TestNoPlaceholderReachesCloudFormation(t *testing.T) {
	specs := []string{fullEKS, fullSlurm, bringVPC(fullEKS)}
	for _, p := range examples(t) {
		for _, x := range p.Parameters {
			if strings.Contains(x.Value, "1234567890abcdef0") || strings.Contains(x.Value, "use2-az") {
				t.Errorf("%s %s = %q", p.Cluster, x.Name, x.Value)
			}
		}
	}
	for _, text := range specs {
		p := mustPlan(t, text)
		cat, _ := catalog.For(p.Orchestrator)
		for _, x := range p.Parameters {
			d, _ := cat.Param(x.Name)
			if d.Placeholder && !x.Sent {
				t.Errorf("%s keeps its placeholder default", x.Name)
			}
		}
	}
}

func TestInstanceGroupJSON(t *testing.T) {
	p := mustPlan(t, edit(fullEKS, "    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n",
		`    - name: workers
      instanceType: ml.p5.48xlarge
      count: 4
      threadsPerCore: 2
      ebsVolumeGiB: 500
      targetAvailabilityZoneId: usw2-az2
      deepHealthChecks: [InstanceStress, InstanceConnectivity]
      trainingPlanArn: arn:aws:sagemaker:us-west-2:123456789012:training-plan/plan-1
  restrictedInstanceGroups:
    - {name: nova, instanceType: ml.p5.48xlarge, count: 1, fsxLustre: {sizeGiB: 1200, throughputPerTiB: 250}}
`))
	want := map[string]string{
		"InstanceGroupSettings1": `[{"InstanceGroupName":"workers","InstanceType":"ml.p5.48xlarge","InstanceCount":4,"ThreadsPerCore":2,` +
			`"TargetAvailabilityZoneId":"usw2-az2","InstanceStorageConfigs":[{"EbsVolumeConfig":{"VolumeSizeInGB":500}}],` +
			`"OnStartDeepHealthChecks":["InstanceStress","InstanceConnectivity"],"TrainingPlanArn":"arn:aws:sagemaker:us-west-2:123456789012:training-plan/plan-1"}]`,
		"RigSettings1": `[{"InstanceGroupName":"nova","InstanceType":"ml.p5.48xlarge","InstanceCount":1,"ThreadsPerCore":1,` +
			`"EnvironmentConfig":{"FSxLustreConfig":{"SizeInGiB":1200,"PerUnitStorageThroughput":250}}}]`,
		"InstanceGroupSettings2": "[]",
		"RigSettings2":           "[]",
	}
	for name, w := range want {
		if got := p.Value(name); got != w {
			t.Errorf("%s\n got %s\nwant %s", name, got, w)
		}
	}
	if s, _ := p.Stack("RigEndpointStack"); s.Action != Create {
		t.Error("restricted groups in slot 1 switch RigEndpointStack on")
	}
	slurm := mustPlan(t, fullSlurm)
	if got := slurm.Value("InstanceGroupSettings1"); got != `[{"InstanceGroupName":"controller","InstanceType":"ml.c5.xlarge","InstanceCount":1,"ThreadsPerCore":1,"InstanceGroupType":"Controller"}]` {
		t.Errorf("slurm slot 1: %s", got)
	}
	var v []map[string]any
	for _, g := range slurm.InstanceGroups {
		if err := json.Unmarshal([]byte(g.JSON), &v); err != nil || len(v) != 1 {
			t.Errorf("%s is not a JSON array of one group: %v", g.Slot, err)
		}
	}
}

func TestTemplateSource(t *testing.T) {
	for _, tc := range []struct {
		spec, url, source string
	}{
		{fullEKS, "https://aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod.s3.us-west-2.amazonaws.com/templates/main-stack-eks-based-template.yaml", "hosted"},
		{edit(fullEKS, "kind: Cluster\n", "kind: Cluster\ntemplates: {stage: gamma, version: 1}\n"),
			"https://aws-sagemaker-hyperpod-cluster-setup-us-west-2-gamma.s3.us-west-2.amazonaws.com/1/templates/main-stack-eks-based-template.yaml", "hosted"},
		{edit(fullEKS, "kind: Cluster\n", "kind: Cluster\ntemplates: {bucket: my-templates, dir: ./cf}\n"),
			"https://my-templates.s3.us-west-2.amazonaws.com/templates/main-stack-eks-based-template.yaml", "custom"},
		{fullSlurm, "https://aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod.s3.us-west-2.amazonaws.com/templates-slurm/main-stack-slurm-based-template.yaml", "hosted"},
	} {
		p := mustPlan(t, tc.spec)
		if p.Template.URL != tc.url || p.Template.Source != tc.source {
			t.Errorf("got %s (%s), want %s", p.Template.URL, p.Template.Source, tc.url)
		}
		if tc.source == "custom" && (p.Value("CustomBucketName") != "my-templates" || p.Template.UploadDir != "./cf") {
			t.Errorf("custom bucket not passed: %q", p.Value("CustomBucketName"))
		}
	}
}

func TestTagsAndOrder(t *testing.T) {
	p := mustPlan(t, edit(fullEKS, "metadata: {name: ml, region: us-west-2}", "metadata: {name: ml, region: us-west-2, tags: {team: ml}}"))
	want := []Tag{{TagCluster, "ml"}, {TagOrchestrator, "eks"}, {"team", "ml"}, {TagTemplate, p.Template.URL},
		{TagTemplateID, "sha256=" + p.Template.SHA256 + " parameters=150"}}
	if !slices.Equal(p.Tags, want) || len(p.Template.SHA256) != 64 {
		t.Errorf("tags %v", p.Tags)
	}
	if p.Value("Tags") != `[{"Key":"hpctl:cluster","Value":"ml"},{"Key":"hpctl:orchestrator","Value":"eks"},{"Key":"team","Value":"ml"}]` {
		t.Errorf("cluster tags %s", p.Value("Tags"))
	}
	rev := slices.Clone(p.CreateOrder)
	slices.Reverse(rev)
	if !slices.Equal(rev, p.DestroyOrder) {
		t.Errorf("destroy order %v is not the reverse of %v", p.DestroyOrder, p.CreateOrder)
	}
	if p.DestroyOrder[len(p.DestroyOrder)-1] != "VPCStack" || p.CreateOrder[len(p.CreateOrder)-1] != "ObservabilityCustomStack" {
		t.Errorf("order %v", p.CreateOrder)
	}
	if !slices.Equal(p.Capabilities, []string{"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}) {
		t.Errorf("capabilities %v", p.Capabilities)
	}
	slurm := mustPlan(t, fullSlurm)
	if last := slurm.DestroyOrder[len(slurm.DestroyOrder)-1]; last != "SSMStack" {
		t.Errorf("the companion stack goes last: %v", slurm.DestroyOrder)
	}
}

// Only parameters the template declares are ever sent, and the same spec
// always gives the same plan.
func TestDeclaredAndDeterministic(t *testing.T) {
	for _, text := range []string{fullEKS, fullSlurm} {
		a, b := mustPlan(t, text), mustPlan(t, text)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Error("two plans of one spec differ")
		}
		cat, _ := catalog.For(a.Orchestrator)
		if len(a.Parameters) != len(cat.Params) {
			t.Errorf("plan lists %d parameters, template declares %d", len(a.Parameters), len(cat.Params))
		}
	}
}

func BenchmarkResolve20Groups(b *testing.B) {
	var g strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&g, "    - {name: g%02d, instanceType: ml.g5.8xlarge, count: %d, ebsVolumeGiB: 500, targetAvailabilityZoneId: usw2-az%d}\n", i, i+1, i%2+1)
	}
	text := edit(fullEKS, "    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n", g.String())
	c, ds := spec.Load("bench.yaml", []byte(text))
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	main := embedded(b, "eks")
	b.ReportAllocs()
	for b.Loop() {
		if _, ds := Resolve(c, Options{Region: "us-west-2", Main: main}); ds.HasErrors() {
			b.Fatal(ds)
		}
	}
}

func BenchmarkLoadAndResolve20Groups(b *testing.B) {
	var g strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&g, "    - {name: g%02d, instanceType: ml.g5.8xlarge, count: %d, ebsVolumeGiB: 500, targetAvailabilityZoneId: usw2-az%d}\n", i, i+1, i%2+1)
	}
	text := []byte(edit(fullEKS, "    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n", g.String()))
	main := embedded(b, "eks")
	b.ReportAllocs()
	for b.Loop() {
		c, _ := spec.Load("bench.yaml", text)
		if _, ds := Resolve(c, Options{Region: "us-west-2", Main: main}); ds.HasErrors() {
			b.Fatal(ds)
		}
	}
}

// The create order comes from what the template's stacks read and name in
// DependsOn; destroy takes the reverse.
func TestCreateOrderFollowsTheTemplate(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		before [][2]string
	}{
		{fullEKS, [][2]string{
			{"VPCStack", "PrivateSubnetStack"}, {"PrivateSubnetStack", "EKSClusterStack"}, {"EKSClusterStack", "HelmChartStack"},
			{"EKSClusterStack", "FsxK8sIntegrationStack"}, {"FsxFilesystemStack", "FsxK8sIntegrationStack"},
			{"FsxK8sIntegrationStack", "HyperPodClusterStack"}, {"HelmChartStack", "HyperPodClusterStack"}, {"SageMakerIAMRoleStack", "HyperPodClusterStack"},
			{"HyperPodClusterStack", "CertManagerStack"}, {"CertManagerStack", "InferenceOperatorMainStack"},
			{"HyperPodClusterStack", "ObservabilityCustomStack"}, {"S3BucketStack", "LifeCycleScriptStack"},
		}},
		{fullSlurm, [][2]string{
			{"VPCStack", "SecurityGroupStack"}, {"LifeCycleScriptStack", "SageMakerIAMRoleStack"},
			{"FsxStack", "HyperPodClusterStack"}, {"SageMakerIAMRoleStack", "HyperPodClusterStack"},
		}},
	} {
		p := mustPlan(t, tc.spec)
		for _, b := range tc.before {
			i, j := slices.Index(p.CreateOrder, b[0]), slices.Index(p.CreateOrder, b[1])
			if i < 0 || j < 0 || i > j {
				t.Errorf("%s: %s must come before %s in %v", p.Orchestrator, b[0], b[1], p.CreateOrder)
			}
		}
	}
}
