package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const baseEKS = `apiVersion: hpctl/v1alpha1
kind: Cluster
metadata:
  name: ml
  region: us-west-2
orchestrator: eks
network:
  availabilityZoneIds: [usw2-az1, usw2-az2]
cluster:
  instanceGroups:
    - name: workers
      instanceType: ml.g5.8xlarge
      count: 2
`

const baseSlurm = `apiVersion: hpctl/v1alpha1
kind: Cluster
metadata: {name: sl, region: us-west-2}
orchestrator: slurm
network:
  availabilityZoneIds: [usw2-az1]
cluster:
  instanceGroups:
    - {name: controller, type: Controller, instanceType: ml.c5.xlarge, count: 1}
    - {name: workers, type: Compute, instanceType: ml.g5.8xlarge, count: 2}
`

const azLine = "  availabilityZoneIds: [usw2-az1, usw2-az2]\n"

// edit returns base with each old→new replacement applied once; a pair
// whose old is "" appends new.
func edit(base string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] == "" {
			base += pairs[i+1]
			continue
		}
		if !strings.Contains(base, pairs[i]) {
			panic(fmt.Sprintf("edit: %q not in base", pairs[i]))
		}
		base = strings.Replace(base, pairs[i], pairs[i+1], 1)
	}
	return base
}

func groups(n int) string {
	var b strings.Builder
	b.WriteString("cluster:\n  instanceGroups:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - {name: g%d, instanceType: ml.c5.xlarge, count: 1}\n", i)
	}
	return b.String()
}

// Every case must give the listed diagnostics (substrings, positions
// included), every diagnostic must have a position, and none may panic.
func TestLoadBadSpecs(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string
	}{
		{"empty file", "", []string{"t.yaml:1:1: the spec is empty"}},
		{"only comments", "# nothing\n---\n", []string{"the spec is empty"}},
		{"binary junk", "\x00\x01\x02hpctl", []string{"t.yaml:1:1: this is not a text file"}},
		{"invalid UTF-8", "metadata:\n  name: \xff\xfe\n", []string{"t.yaml:2:9: this is not a text file"}},
		{"invalid YAML", "apiVersion: hpctl/v1alpha1\nmetadata: [\n  name: x\n", []string{"invalid YAML"}},
		{"tab indentation", "metadata:\n\tname: x\n", []string{"t.yaml:2:", "invalid YAML"}},
		{"two documents", baseEKS + "---\nkind: Cluster\n", []string{"t.yaml:14:1: a spec file holds one document"}},
		{"a list, not a mapping", "- a\n- b\n", []string{"t.yaml:1:1: a spec is a mapping (apiVersion: …, kind: Cluster, …), got a list"}},
		{"a scalar", "hello\n", []string{"a spec is a mapping", "got plain text"}},
		{"unknown key with a typo", edit(baseEKS, "orchestrator: eks", "orchestrater: eks"),
			[]string{`t.yaml:6:1: orchestrater: unknown field "orchestrater"; did you mean "orchestrator"?`, "orchestrator: is required"}},
		{"key at the wrong level", edit(baseEKS, "", "instanceGroups: []\n"),
			[]string{`t.yaml:14:1: instanceGroups: unknown field "instanceGroups"; "instanceGroups" belongs at cluster.instanceGroups`}},
		{"unknown nested key", edit(baseEKS, "  name: ml\n", "  name: ml\n  labels: {a: b}\n"),
			[]string{`t.yaml:5:3: metadata.labels: unknown field "labels"; expected one of: name, region, resourcePrefix, resourceShortPrefix, stackName, tags`}},
		{"string where a number belongs", edit(baseEKS, "count: 2", `count: "2"`),
			[]string{`t.yaml:13:14: cluster.instanceGroups[0].count: expected a whole number, got the string "2"`}},
		{"number where a string belongs", edit(baseEKS, "name: ml", "name: 123"),
			[]string{`t.yaml:4:9: metadata.name: expected a string, got the number 123; quote it: "123"`}},
		{"boolean where a string belongs", edit(baseEKS, "region: us-west-2", "region: yes"),
			[]string{`metadata.region: "yes" is not an AWS region name`}},
		{"mapping where a list belongs", edit(baseEKS, "[usw2-az1, usw2-az2]", "{a: b}"),
			[]string{"t.yaml:8:24: network.availabilityZoneIds: expected a list, got a mapping"}},
		{"duplicate key", edit(baseEKS, "kind: Cluster\n", "kind: Cluster\nkind: Cluster\n"),
			[]string{`t.yaml:3:1: kind: "kind" is already set at line 2`}},
		{"merge key", edit(baseEKS, "", "templates:\n  <<: {stage: prod}\n"), []string{"merge keys (<<) are not supported"}},
		{"wrong apiVersion", edit(baseEKS, "hpctl/v1alpha1", "hpctl/v1"),
			[]string{`t.yaml:1:13: apiVersion: "hpctl/v1" is not supported; this hpctl reads hpctl/v1alpha1`}},
		{"missing kind", edit(baseEKS, "kind: Cluster\n", ""), []string{"kind: is required: kind: Cluster"}},
		{"orchestrator typo", edit(baseEKS, "orchestrator: eks", "orchestrator: ekss"),
			[]string{`t.yaml:6:15: orchestrator: "ekss" is not one of eks, slurm; did you mean "eks"?`}},
		{"missing name", edit(baseEKS, "  name: ml\n", ""), []string{"metadata.name: is required"}},
		{"bad cluster name", edit(baseEKS, "name: ml\n", "name: ml_cluster\n"), []string{`metadata.name: "ml_cluster" is not a HyperPod cluster name`}},
		{"default prefix too long", edit(baseEKS, "name: ml\n", "name: "+strings.Repeat("a", 50)+"\n"),
			[]string{"metadata.name: the default resourcePrefix", "is 60 characters; the bucket <prefix>-bucket allows at most 56"}},
		{"upper-case prefix", edit(baseEKS, "  name: ml\n", "  name: ml\n  resourcePrefix: ML-Team\n"),
			[]string{`metadata.resourcePrefix: "ML-Team" cannot start bucket names`}},
		{"bad stack name", edit(baseEKS, "  name: ml\n", "  name: ml\n  stackName: 1-stack\n"), []string{`metadata.stackName: "1-stack" is not a stack name`}},
		{"reserved tag", edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {\"hpctl:cluster\": other}\n"),
			[]string{`metadata.tags.hpctl:cluster: tag keys starting with "hpctl:" are reserved`}},
		{"bad VPC ID", edit(baseEKS, azLine, azLine+"  vpc: {id: vpc-123, privateSubnetIds: [subnet-0a1b2c3d]}\n"),
			[]string{`t.yaml:9:13: network.vpc.id: "vpc-123" is not a VPC ID (like vpc-0a1b2c3d4e5f67890)`}},
		{"cidr and id", edit(baseEKS, azLine, azLine+"  vpc: {cidr: 10.192.0.0/16, id: vpc-0a1b2c3d}\n"), []string{"network.vpc: give either cidr"}},
		{"cidr not a /16", edit(baseEKS, azLine, azLine+"  vpc: {cidr: 10.192.0.0/20}\n"), []string{`network.vpc.cidr: "10.192.0.0/20" must be a /16`}},
		{"cidr with host bits", edit(baseEKS, azLine, azLine+"  vpc: {cidr: 10.192.1.0/16}\n"), []string{"has host bits set; the block starts at 10.192.0.0/16"}},
		{"cidr outside 10/8", edit(baseEKS, azLine, azLine+"  vpc: {cidr: 172.31.0.0/16}\n"), []string{"is in 172.16.0.0/12"}},
		{"cidr is a secondary block", edit(baseEKS, azLine, azLine+"  vpc: {cidr: 10.2.0.0/16}\n"), []string{"10.2.0.0/16 is the secondary block the private-subnet stack adds for zone 2"}},
		{"not a CIDR", edit(baseEKS, azLine, azLine+"  vpc: {cidr: ten}\n"), []string{`network.vpc.cidr: "ten" is not an IPv4 CIDR block`}},
		{"subnets without a VPC", edit(baseEKS, azLine, azLine+"  vpc: {privateSubnetIds: [subnet-0a1b2c3d]}\n"),
			[]string{"network.vpc.privateSubnetIds: lists IDs of a VPC you bring; set network.vpc.id too"}},
		{"bad subnet ID", edit(baseEKS, azLine, azLine+"  vpc: {id: vpc-0a1b2c3d, privateSubnetIds: [subnet-xyz]}\n"),
			[]string{`network.vpc.privateSubnetIds[0]: "subnet-xyz" is not a subnet ID`}},
		{"duplicate zone", edit(baseEKS, "usw2-az2]", "usw2-az1]"), []string{`network.availabilityZoneIds[1]: "usw2-az1" is already listed`}},
		{"six zones", edit(baseEKS, "usw2-az2]", "usw2-az2, usw2-az3, usw2-az4, usw2-az5, usw2-az6]"), []string{"lists 6 zones; the network templates create subnets in at most 5"}},
		{"zones of two regions", edit(baseEKS, "usw2-az2]", "use1-az2]"), []string{"mixes zones of different regions (use1, usw2)"}},
		{"bad zone ID", edit(baseEKS, "usw2-az2]", "us-west-2b]"), []string{`"us-west-2b" is not an availability zone ID (like usw2-az1)`}},
		{"security group id and ids", edit(baseEKS, azLine, azLine+"  securityGroup: {id: sg-0a1b2c3d, ids: [sg-0a1b2c3e]}\n"), []string{"network.securityGroup: give id"}},
		{"bad security group", edit(baseEKS, azLine, azLine+"  securityGroup: {ids: [sg-1]}\n"), []string{`network.securityGroup.ids[0]: "sg-1" is not a security group ID`}},
		{"existing and new EKS", edit(baseEKS, "", "kubernetes: {cluster: {existing: eks1, name: eks}}\n"), []string{"kubernetes.cluster: give existing"}},
		{"bad Kubernetes version", edit(baseEKS, "", "kubernetes: {cluster: {version: \"1.3\"}}\n"), []string{`kubernetes.cluster.version: "1.3" is not a Kubernetes minor version`}},
		{"bad Helm setting", edit(baseEKS, "", "kubernetes: {helm: {operators: [mlflow.enabled]}}\n"), []string{`kubernetes.helm.operators[0]: "mlflow.enabled" is not a key=value Helm setting`}},
		{"bad Helm repo", edit(baseEKS, "", "kubernetes: {helm: {repoUrl: \"git@github.com:x/y\"}}\n"), []string{"is not an https:// Git URL"}},
		{"bad bucket name", edit(baseEKS, "", "storage: {bucket: {name: My_Bucket}}\n"), []string{`storage.bucket.name: "My_Bucket" is not a bucket name`}},
		{"dotted template bucket", edit(baseEKS, "", "templates: {bucket: my.templates}\n"), []string{"has dots: CloudFormation reads nested templates from"}},
		{"version with custom bucket", edit(baseEKS, "", "templates: {bucket: my-templates, version: 1}\n"), []string{"templates.version: selects a prefix of the hosted bucket"}},
		{"dir without bucket", edit(baseEKS, "", "templates: {dir: ./templates}\n"), []string{"templates.dir: is uploaded to templates.bucket"}},
		{"stage typo", edit(baseEKS, "", "templates: {stage: production}\n"), []string{`templates.stage: "production" is not one of prod, gamma`}},
		{"fsx id with settings", edit(baseEKS, "", "storage: {fsx: {id: fs-0a1b2c3d4e5f67890, capacityGiB: 2400}}\n"),
			[]string{"storage.fsx.capacityGiB: applies to a new file system"}},
		{"fsx deployment type", edit(baseEKS, "", "storage: {fsx: {deploymentType: PERSISTENT2}}\n"), []string{`did you mean "PERSISTENT_2"?`}},
		{"fsx as a word", edit(baseEKS, "", "storage: {fsx: none}\n"), []string{`storage.fsx: expected a mapping, got the string "none"`}},
		{"role ARN", edit(baseEKS, "", "iam: {executionRole: {name: \"arn:aws:iam::123456789012:role/r\"}}\n"), []string{"give the role name, not its ARN"}},
		{"role with a path", edit(baseEKS, "", "iam: {executionRole: {name: team/role}}\n"), []string{"has a path"}},
		{"node recovery case", edit(baseEKS, "cluster:\n", "cluster:\n  nodeRecovery: automatic\n"), []string{`did you mean "Automatic"?`}},
		{"21 groups", edit(baseEKS, baseEKS[strings.Index(baseEKS, "cluster:"):], groups(21)), []string{"has 21 groups; the main stack has 20 slots"}},
		{"duplicate group names", edit(baseEKS, "", "    - {name: workers, instanceType: ml.c5.xlarge, count: 1}\n"),
			[]string{`cluster.instanceGroups[1].name: "workers" is already the name of cluster.instanceGroups[0]`}},
		{"instance type without ml.", edit(baseEKS, "ml.g5.8xlarge", "g5.8xlarge"), []string{"is not a HyperPod instance type: they start with ml."}},
		// The SDK's types: a size the family lacks lists the family's sizes;
		// a misspelt family names the nearest type.
		{"instance size HyperPod lacks", edit(baseEKS, "ml.g5.8xlarge", "ml.g5.9xlarge"),
			[]string{`cluster.instanceGroups[0].instanceType: "ml.g5.9xlarge" is not a HyperPod instance type: ml.g5 comes in xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge`}},
		{"instance family typo", edit(baseEKS, "ml.g5.8xlarge", "ml.p5s.48xlarge"), []string{`"ml.p5s.48xlarge" is not a HyperPod instance type; did you mean ml.p5.48xlarge?`}},
		{"missing count", edit(baseEKS, "      count: 2\n", ""), []string{"cluster.instanceGroups[0].count: is required"}},
		{"negative count", edit(baseEKS, "count: 2", "count: -1"), []string{"count: -1 is out of range"}},
		{"threads per core", edit(baseEKS, "", "      threadsPerCore: 4\n"), []string{"threadsPerCore: is 4; it must be 1 (no hyperthreading) or 2"}},
		{"no instance groups", edit(baseEKS, baseEKS[strings.Index(baseEKS, "cluster:"):], "cluster: {}\n"), []string{"at least one instance group is required"}},
		{"groups with create false", edit(baseEKS, "cluster:\n", "cluster:\n  create: false\n"), []string{"cluster.create: is false, so the instance groups would not be used"}},
		{"Slurm type on EKS", edit(baseEKS, "", "      type: Compute\n"), []string{"cluster.instanceGroups[0].type: applies to slurm only"}},
		{"ssm on EKS", edit(baseEKS, "", "ssm: true\n"), []string{"ssm: applies to slurm only"}},
		{"Kubernetes on Slurm", edit(baseSlurm, "", "kubernetes: {cluster: {name: eks}}\n"), []string{"kubernetes: applies to eks only"}},
		{"no Slurm controller", edit(baseSlurm, "type: Controller", "type: Login"), []string{"a Slurm cluster needs exactly one group of type Controller"}},
		{"two Slurm controllers", edit(baseSlurm, "type: Compute", "type: Controller"), []string{"instanceGroups[1].type: a Slurm cluster has exactly one Controller group"}},
		{"untyped Slurm group", edit(baseSlurm, "type: Compute, ", ""), []string{"cluster.instanceGroups[1].type: is required for Slurm"}},
		{"onCreate without a folder", edit(baseEKS, "", "storage:\n  lifecycleScripts: {onCreate: go.sh}\n"),
			[]string{"t.yaml:15:32: storage.lifecycleScripts.onCreate: names a script of your own folder: set storage.lifecycleScripts.dir"}},
		{"own folder and onCreatePath", edit(baseEKS, "", "storage:\n  bucket: {name: sagemaker-b, onCreatePath: x.sh}\n  lifecycleScripts: {dir: ./s}\n"),
			[]string{"storage.bucket.onCreatePath: names a script already in the bucket, but storage.lifecycleScripts.dir uploads your own"}},
		{"onCreate outside the folder", edit(baseEKS, "", "storage:\n  lifecycleScripts: {dir: ./s, onCreate: ../up.sh}\n"),
			[]string{`storage.lifecycleScripts.onCreate: "../up.sh" must name a file inside the folder`}},
		{"onCreate too long", edit(baseEKS, "", "storage:\n  lifecycleScripts: {dir: ./s, onCreate: "+strings.Repeat("a", 129)+"}\n"),
			[]string{"storage.lifecycleScripts.onCreate: is 129 characters; ClusterLifeCycleConfig.OnCreate takes at most 128"}},
		{"a group's scripts without a folder", edit(baseEKS, "", "      lifecycle: {onCreate: gpu.sh}\n"),
			[]string{"cluster.instanceGroups[0].lifecycle: a group's own scripts go with storage.lifecycleScripts.dir"}},
		{"an empty group lifecycle", edit(baseEKS, "", "      lifecycle: {}\nstorage: {lifecycleScripts: {dir: s}}\n"),
			[]string{"cluster.instanceGroups[0].lifecycle: needs dir, onCreate or both"}},
		{"a group's script outside", edit(baseEKS, "", "      lifecycle: {onCreate: /etc/x.sh}\nstorage: {lifecycleScripts: {dir: s}}\n"),
			[]string{`cluster.instanceGroups[0].lifecycle.onCreate: "/etc/x.sh" must name a file inside the folder`}},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", []string{"this is not an hpctl spec: none of its keys (a at line 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Load("t.yaml", []byte(tc.spec))
			var got []string
			for _, d := range ds {
				if d.Pos.Line < 1 || d.Pos.Col < 1 || d.File != "t.yaml" {
					t.Errorf("diagnostic without a place: %+v", d)
				}
				got = append(got, d.String())
			}
			text := strings.Join(got, "\n")
			if !ds.HasErrors() {
				t.Fatalf("no error; got:\n%s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("want %q in:\n%s", w, text)
				}
			}
		})
	}
}

func TestLoadValid(t *testing.T) {
	for name, text := range map[string]string{
		"eks base":                    baseEKS,
		"slurm base":                  baseSlurm,
		"version as a YAML number":    edit(baseEKS, "", "kubernetes: {cluster: {version: 1.30}}\n"),
		"fsx true":                    edit(baseEKS, "", "storage: {fsx: true}\n"),
		"empty values keep defaults":  edit(baseEKS, "", "templates:\nfeatures:\n"),
		"anchors":                     edit(baseEKS, "  name: ml\n", "  name: &n ml\n  stackName: *n\n"),
		"the most instances":          edit(baseEKS, "count: 2", "count: 6758"),
		"a stack name that fits -ssm": edit(baseSlurm, "", "ssm: true\n", "{name: sl, ", "{name: sl, stackName: s"+strings.Repeat("x", 123)+", "),
		"a China region":              edit(baseEKS, "us-west-2", "cn-north-1", "[usw2-az1, usw2-az2]", "[cnn1-az1, cnn1-az2]"),
		"a GovCloud region":           edit(baseEKS, "us-west-2", "us-gov-west-1", "[usw2-az1, usw2-az2]", "[usgw1-az1, usgw1-az2]"),
		"FSx sizes and tiers":         edit(baseEKS, "", "storage: {fsx: {capacityGiB: 4800, throughputPerTiB: 125}}\n"),
		"SCRATCH_1 of 3600 GiB":       edit(baseEKS, "", "storage: {fsx: {capacityGiB: 3600, deploymentType: SCRATCH_1}}\n"),
		"PERSISTENT_1 tier":           edit(baseEKS, "", "storage: {fsx: {throughputPerTiB: 200, deploymentType: PERSISTENT_1}}\n"),
		"EBS at the limits":           edit(baseEKS, "", "      ebsVolumeGiB: 16384\n"),
		"a 10/8 VPC":                  edit(baseEKS, azLine, azLine+"  vpc: {cidr: 10.200.0.0/16}\n"),
	} {
		t.Run(name, func(t *testing.T) {
			c, ds := Load("t.yaml", []byte(text))
			if ds.HasErrors() || c == nil {
				t.Fatalf("errors:\n%v", ds)
			}
		})
	}
	c, _ := Load("t.yaml", []byte(edit(baseEKS, "", "kubernetes: {cluster: {version: 1.30}}\nstorage: {fsx: false}\n")))
	if c.Kubernetes.Cluster.Version != "1.30" {
		t.Errorf("version %q: the text as written must survive", c.Kubernetes.Cluster.Version)
	}
	if c.Storage.FSx.Enabled() {
		t.Error("fsx: false must disable FSx")
	}
}

func TestPositionsAndDefaults(t *testing.T) {
	c, ds := Load("t.yaml", []byte(baseEKS))
	if len(ds) != 0 {
		t.Fatal(ds)
	}
	for path, want := range map[string]Pos{
		"metadata.name":                     {4, 9},
		"cluster.instanceGroups":            {10, 3},
		"cluster.instanceGroups[0].count":   {13, 14},
		"storage.bucket":                    {1, 1}, // absent: the document
		"network.vpc.id":                    {7, 1}, // absent: nearest ancestor
		"cluster.instanceGroups[0].missing": {11, 7},
	} {
		if got := c.Pos(path); got != want {
			t.Errorf("Pos(%s) = %v, want %v", path, got, want)
		}
	}
	if c.ResourcePrefix() != "sagemaker-ml" || c.StackName() != "hpctl-ml" || c.Stage() != "prod" {
		t.Errorf("defaults: %s %s %s", c.ResourcePrefix(), c.StackName(), c.Stage())
	}
	if c.InferenceOperator() || !c.S3Endpoint() || !c.HelmInstall() || !c.LifecycleScripts() || c.SSMStack() {
		t.Error("switch defaults are wrong")
	}
	if c.Cluster.InstanceGroups[0].Threads() != 1 {
		t.Error("threadsPerCore defaults to 1")
	}
}

func TestExamplesLoad(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d examples", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ds := Load(f, data); ds.HasErrors() {
			t.Errorf("%s:\n%v", f, ds.Errors())
		}
	}
}

func TestStarters(t *testing.T) {
	for _, o := range Orchestrators {
		for _, region := range []string{"us-west-2", "eu-central-1", "ap-southeast-2"} {
			text, err := Starter(o, StarterOptions{Name: "demo", Region: region, File: "cluster.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			c, ds := Load("starter", text)
			if ds.HasErrors() || c.Orchestrator != o || c.Metadata.Region != region {
				t.Errorf("%s starter in %s: %v", o, region, ds)
			}
		}
	}
	if _, err := Starter(EKS, StarterOptions{Name: "bad_name", Region: "us-west-2"}); err == nil {
		t.Error("a bad name must be refused")
	}
	if _, err := Starter(EKS, StarterOptions{Name: "ok", Region: "mars-1"}); err == nil {
		t.Error("a bad region must be refused")
	}
}

func TestAZIDPrefix(t *testing.T) {
	for region, want := range map[string]string{
		"us-west-2": "usw2", "us-east-1": "use1", "eu-central-1": "euc1", "ap-northeast-1": "apne1",
		"ap-southeast-4": "apse4", "sa-east-1": "sae1", "us-gov-west-1": "usgw1", "il-central-1": "ilc1", "weird": "",
	} {
		if got := AZIDPrefix(region); got != want {
			t.Errorf("%s: %q, want %q", region, got, want)
		}
	}
}
