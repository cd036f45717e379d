package spec

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

const vpcAt = azLine // the line after which a network setting goes

// hostile is the corpus of issue 10: specs a hostile tester or a careless
// hand wrote. Each case names one diagnostic exactly as hpctl prints it.
var hostile = []struct {
	name, spec, want string
	// secret must appear nowhere in the output.
	secret string
}{
	// The file itself.
	{name: "tab on line 5", spec: edit(baseEKS, "  region:", "\tregion:"),
		want: "t.yaml:5:1: invalid YAML: a tab indents this line; YAML indents with spaces only"},
	{name: "tab in a list item", spec: edit(baseEKS, "      count: 2", "\t  count: 2"),
		want: "t.yaml:13:1: invalid YAML: a tab indents this line; YAML indents with spaces only"},
	{name: "tab after spaces", spec: edit(baseEKS, "  name: ml", "  \tname: ml"),
		want: "t.yaml:4:3: invalid YAML: a tab indents this line; YAML indents with spaces only"},
	{name: "an .env file", spec: "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENG\n", secret: "wJalrXUtnFEMIK7MDENG",
		want: "t.yaml:1:1: a spec is a mapping (apiVersion: …, kind: Cluster, …), got plain text; is t.yaml the spec file?"},
	{name: "a credentials JSON", spec: `{"AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMIK7MDENG"}`, secret: "wJalrXUtnFEMIK7MDENG",
		want: "t.yaml:1:1: this is not an hpctl spec: none of its keys (AccessKeyId at line 1, SecretAccessKey at line 1) is a spec key such as apiVersion, kind or metadata; is t.yaml the spec file?"},
	{name: "a YAML of something else", spec: "token: ghp_0123456789abcdef\nuser: me\nurl: x\nport: 1\nhost: h\nmore: 1\nlast: 2\n", secret: "ghp_0123456789abcdef",
		want: "t.yaml:1:1: this is not an hpctl spec: none of its keys (token at line 1, user at line 2, url at line 3, port at line 4, host at line 5, 2 more) is a spec key such as apiVersion, kind or metadata; is t.yaml the spec file?"},
	{name: "a number", spec: "42\n", want: "t.yaml:1:1: a spec is a mapping (apiVersion: …, kind: Cluster, …), got a number; is t.yaml the spec file?"},
	{name: "a boolean", spec: "true\n", want: "t.yaml:1:1: a spec is a mapping (apiVersion: …, kind: Cluster, …), got a boolean; is t.yaml the spec file?"},
	{name: "a quoted secret", spec: "\"hunter2hunter2\"\n", secret: "hunter2hunter2",
		want: "t.yaml:1:1: a spec is a mapping (apiVersion: …, kind: Cluster, …), got plain text; is t.yaml the spec file?"},

	// Control characters from the input are escaped wherever they are printed.
	{name: "escape sequence in a key", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  \"\\e[2J\\e[Hok\": x\n"),
		want: `t.yaml:5:3: metadata.\x1b[2J\x1b[Hok: unknown field "\x1b[2J\x1b[Hok"; expected one of: name, region, resourcePrefix, resourceShortPrefix, stackName, tags`},
	{name: "bidi override in a name", spec: edit(baseEKS, "name: ml\n", "name: \"ml\\u202Elx\"\n"),
		want: `t.yaml:4:9: metadata.name: "ml\u202elx" is not a HyperPod cluster name: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit`},
	{name: "DEL in a region", spec: edit(baseEKS, "region: us-west-2", "region: \"us-west-2\\x7f\""),
		want: `t.yaml:5:11: metadata.region: "us-west-2\x7f" is not an AWS region name (like us-west-2)`},
	{name: "newline in a tag key", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {\"a\\nb\": x}\n"),
		want: `t.yaml:5:18: metadata.tags.a\x0ab: "a\nb" is not a tag key: up to 128 letters, digits, spaces and _.:/=+-@`},
	{name: "escape in a tag value", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {team: \"\\e]0;owned\\a\"}\n"),
		want: `t.yaml:5:16: metadata.tags.team: "\x1b]0;owned\a" is not a tag value: up to 256 letters, digits, spaces and _.:/=+-@`},

	// Counts and sizes, within what the services take.
	{name: "a billion instances", spec: edit(baseEKS, "count: 2", "count: 1000000000"),
		want: "t.yaml:13:14: cluster.instanceGroups[0].count: 1000000000 is out of range: SageMaker takes 0 to 6758 instances per group"},
	{name: "one instance too many", spec: edit(baseEKS, "count: 2", "count: 6759"),
		want: "t.yaml:13:14: cluster.instanceGroups[0].count: 6759 is out of range: SageMaker takes 0 to 6758 instances per group"},
	{name: "negative count", spec: edit(baseEKS, "count: 2", "count: -1"),
		want: "t.yaml:13:14: cluster.instanceGroups[0].count: -1 is out of range: SageMaker takes 0 to 6758 instances per group"},
	{name: "count past int64", spec: edit(baseEKS, "count: 2", "count: 99999999999999999999"),
		want: "t.yaml:13:14: cluster.instanceGroups[0].count: expected a whole number, got the number 99999999999999999999"},
	{name: "fractional count", spec: edit(baseEKS, "count: 2", "count: 2.5"),
		want: "t.yaml:13:14: cluster.instanceGroups[0].count: expected a whole number, got the number 2.5"},
	{name: "threadsPerCore 0", spec: edit(baseEKS, "", "      threadsPerCore: 0\n"),
		want: "t.yaml:14:23: cluster.instanceGroups[0].threadsPerCore: is 0; it must be 1 (no hyperthreading) or 2"},
	{name: "threadsPerCore 3", spec: edit(baseEKS, "", "      threadsPerCore: 3\n"),
		want: "t.yaml:14:23: cluster.instanceGroups[0].threadsPerCore: is 3; it must be 1 (no hyperthreading) or 2"},
	{name: "EBS 0 GiB", spec: edit(baseEKS, "", "      ebsVolumeGiB: 0\n"),
		want: "t.yaml:14:21: cluster.instanceGroups[0].ebsVolumeGiB: is 0 GiB; SageMaker takes 1 to 16384"},
	{name: "EBS too large", spec: edit(baseEKS, "", "      ebsVolumeGiB: 16385\n"),
		want: "t.yaml:14:21: cluster.instanceGroups[0].ebsVolumeGiB: is 16385 GiB; SageMaker takes 1 to 16384"},
	{name: "EBS negative", spec: edit(baseEKS, "", "      ebsVolumeGiB: -5\n"),
		want: "t.yaml:14:21: cluster.instanceGroups[0].ebsVolumeGiB: is -5 GiB; SageMaker takes 1 to 16384"},
	{name: "restricted group too large", spec: edit(baseEKS, "", "  restrictedInstanceGroups:\n    - {name: rig, instanceType: ml.p5.48xlarge, count: 7000, fsxLustre: {sizeGiB: 1200}}\n"),
		want: "t.yaml:15:56: cluster.restrictedInstanceGroups[0].count: 7000 is out of range: SageMaker takes 0 to 6758 instances per group"},
	{name: "FSx of 0 GiB", spec: edit(baseEKS, "", "storage: {fsx: {capacityGiB: 0}}\n"),
		want: "t.yaml:14:30: storage.fsx.capacityGiB: is 0 GiB; FSx for Lustre makes 1200, 2400 or a multiple of 2400 GiB"},
	{name: "FSx of -1200 GiB", spec: edit(baseEKS, "", "storage: {fsx: {capacityGiB: -1200}}\n"),
		want: "t.yaml:14:30: storage.fsx.capacityGiB: is -1200 GiB; FSx for Lustre makes 1200, 2400 or a multiple of 2400 GiB"},
	{name: "FSx throughput 0", spec: edit(baseEKS, "", "storage: {fsx: {throughputPerTiB: 0}}\n"),
		want: "t.yaml:14:35: storage.fsx.throughputPerTiB: is 0 MB/s per TiB; PERSISTENT_2 offers 125, 250, 500 or 1000, PERSISTENT_1 50, 100 or 200"},
	{name: "restricted group with EBS 0", spec: edit(baseEKS, "", "  restrictedInstanceGroups:\n    - {name: rig, instanceType: ml.p5.48xlarge, count: 1, ebsVolumeGiB: 0, fsxLustre: {sizeGiB: 1200}}\n"),
		want: "t.yaml:15:73: cluster.restrictedInstanceGroups[0].ebsVolumeGiB: is 0 GiB; SageMaker takes 1 to 16384"},
	{name: "restricted group with threadsPerCore 0", spec: edit(baseEKS, "", "  restrictedInstanceGroups:\n    - {name: rig, instanceType: ml.p5.48xlarge, count: 1, threadsPerCore: 0, fsxLustre: {sizeGiB: 1200}}\n"),
		want: "t.yaml:15:75: cluster.restrictedInstanceGroups[0].threadsPerCore: is 0; it must be 1 (no hyperthreading) or 2"},
	{name: "restricted FSx of 0", spec: edit(baseEKS, "", "  restrictedInstanceGroups:\n    - {name: rig, instanceType: ml.p5.48xlarge, count: 1, fsxLustre: {sizeGiB: 0}}\n"),
		want: "t.yaml:15:80: cluster.restrictedInstanceGroups[0].fsxLustre.sizeGiB: is required and must be positive"},
	{name: "accounting port 80", spec: edit(baseSlurm, "", "slurm: {accountingDatabase: {port: 80}}\n"),
		want: "t.yaml:11:36: slurm.accountingDatabase.port: 80 is not a port RDS for MariaDB listens on (1150 to 65535)"},
	{name: "accounting storage 10 GiB", spec: edit(baseSlurm, "", "slurm: {accountingDatabase: {storageGiB: 10}}\n"),
		want: "t.yaml:11:42: slurm.accountingDatabase.storageGiB: 10 GiB: RDS for MariaDB takes 20 to 65536"},

	// CIDRs a VPC can use.
	{name: "loopback VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 127.0.0.0/16}\n"),
		want: "t.yaml:9:15: network.vpc.cidr: 127.0.0.0/16 is a loopback block (in 127.0.0.0/8), which no VPC can use; choose a /16 in 10.0.0.0/8 such as 10.192.0.0/16"},
	{name: "multicast VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 224.0.0.0/16}\n"),
		want: "t.yaml:9:15: network.vpc.cidr: 224.0.0.0/16 is a multicast block (in 224.0.0.0/4), which no VPC can use; choose a /16 in 10.0.0.0/8 such as 10.192.0.0/16"},
	{name: "link-local VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 169.254.0.0/16}\n"),
		want: "t.yaml:9:15: network.vpc.cidr: 169.254.0.0/16 is the link-local block (in 169.254.0.0/16), which no VPC can use; choose a /16 in 10.0.0.0/8 such as 10.192.0.0/16"},
	{name: "this-network VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 0.0.0.0/16}\n"),
		want: `t.yaml:9:15: network.vpc.cidr: 0.0.0.0/16 is the "this network" block (in 0.0.0.0/8), which no VPC can use; choose a /16 in 10.0.0.0/8 such as 10.192.0.0/16`},
	{name: "reserved VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 250.1.0.0/16}\n"),
		want: "t.yaml:9:15: network.vpc.cidr: 250.1.0.0/16 is a reserved block (in 240.0.0.0/4), which no VPC can use; choose a /16 in 10.0.0.0/8 such as 10.192.0.0/16"},
	{name: "public VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 8.8.0.0/16}\n"),
		want: "t.yaml:9:15: network.vpc.cidr: 8.8.0.0/16 is a public block: the private-subnet stack adds secondary blocks from 10.0.0.0/8 and the VPC should be private too; choose a /16 in 10.0.0.0/8"},
	{name: "192.168 VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 192.168.0.0/16}\n"),
		want: "t.yaml:9:15: network.vpc.cidr: 192.168.0.0/16 is in 192.168.0.0/16: the private-subnet stack adds secondary blocks from 10.0.0.0/8, which AWS does not associate with such a VPC"},
	{name: "IPv6 VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: \"fd00::/16\"}\n"),
		want: `t.yaml:9:15: network.vpc.cidr: "fd00::/16" is not an IPv4 CIDR block such as 10.192.0.0/16`},
	{name: "a /8 VPC", spec: edit(baseEKS, vpcAt, vpcAt+"  vpc: {cidr: 10.0.0.0/8}\n"),
		want: `t.yaml:9:15: network.vpc.cidr: "10.0.0.0/8" must be a /16: the VPC template carves its subnets from the first two octets`},

	// Names and tags, within AWS's rules.
	{name: "empty tag key", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {\"\": x}\n"),
		want: "t.yaml:5:14: metadata.tags.: a tag key cannot be empty"},
	{name: "tag key of 129", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {"+strings.Repeat("k", 129)+": x}\n"),
		want: fmt.Sprintf("t.yaml:5:141: metadata.tags.%[1]s: %[1]q is not a tag key: up to 128 letters, digits, spaces and _.:/=+-@", strings.Repeat("k", 129))},
	{name: "tag value of 257", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {k: "+strings.Repeat("v", 257)+"}\n"),
		want: fmt.Sprintf("t.yaml:5:13: metadata.tags.k: %q is not a tag value: up to 256 letters, digits, spaces and _.:/=+-@", strings.Repeat("v", 257))},
	{name: "49 tags", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {"+tagList(49)+"}\n"),
		want: "t.yaml:5:3: metadata.tags: has 49 tags; at most 48, since hpctl adds its 2 ownership tags to AWS's limit of 50"},
	{name: "aws: tag", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {\"AWS:owner\": x}\n"),
		want: `t.yaml:5:23: metadata.tags.AWS:owner: tag keys starting with "aws:" are reserved`},
	{name: "stack name of 129", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  stackName: s"+strings.Repeat("x", 128)+"\n"),
		want: fmt.Sprintf("t.yaml:5:14: metadata.stackName: %q is not a stack name: up to 128 letters, digits and hyphens, starting with a letter", "s"+strings.Repeat("x", 128))},
	{name: "stack name with its -ssm companion", spec: edit(baseSlurm, "", "ssm: true\n", "{name: sl, ", "{name: sl, stackName: s"+strings.Repeat("x", 124)+", "),
		want: "t.yaml:3:33: metadata.stackName: has 125 characters; with ssm the companion stack <stack>-ssm must fit CloudFormation's 128, so at most 124"},
	{name: "stack name with an underscore", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  stackName: my_stack\n"),
		want: `t.yaml:5:14: metadata.stackName: "my_stack" is not a stack name: up to 128 letters, digits and hyphens, starting with a letter`},
	{name: "cluster name of 64", spec: edit(baseEKS, "name: ml\n", "name: a"+strings.Repeat("b", 63)+"\n"),
		want: fmt.Sprintf("t.yaml:4:9: metadata.name: %q is not a HyperPod cluster name: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit", "a"+strings.Repeat("b", 63))},
	{name: "group name with a dot", spec: edit(baseEKS, "name: workers", "name: gpu.workers"),
		want: `t.yaml:11:13: cluster.instanceGroups[0].name: "gpu.workers" is not an instance group name: 1 to 63 letters, digits and hyphens`},
	{name: "prefix S3 reserves", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  resourcePrefix: sthree-team\n"),
		want: `t.yaml:5:19: metadata.resourcePrefix: "sthree-team" names the bucket sthree-team-bucket, and "sthree-team-bucket" is not a bucket name: the prefix sthree- is reserved by S3; set another metadata.resourcePrefix`},
	{name: "prefix of S3's examples", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  resourcePrefix: amzn-s3-demo-ml\n"),
		want: `t.yaml:5:19: metadata.resourcePrefix: "amzn-s3-demo-ml" names the bucket amzn-s3-demo-ml-bucket, and "amzn-s3-demo-ml-bucket" is not a bucket name: the prefix amzn-s3-demo- is reserved by S3; set another metadata.resourcePrefix`},
	{name: "short prefix too long", spec: edit(baseEKS, "  name: ml\n", "  name: ml\n  resourceShortPrefix: "+strings.Repeat("p", 42)+"\n"),
		want: "t.yaml:5:24: metadata.resourceShortPrefix: has 42 characters; the inference stacks name a bucket hyperpod-tls-<prefix>-<8 characters>, so at most 41"},
	{name: "bucket with a reserved suffix", spec: edit(baseEKS, "", "storage: {bucket: {name: data--x-s3}}\n"),
		want: `t.yaml:14:26: storage.bucket.name: "data--x-s3" is not a bucket name: the suffix --x-s3 is reserved by S3`},
	{name: "bucket that is an IP", spec: edit(baseEKS, "", "storage: {bucket: {name: 192.168.1.1}}\n"),
		want: `t.yaml:14:26: storage.bucket.name: "192.168.1.1" is not a bucket name: it looks like an IP address`},
	{name: "bucket of 2 characters", spec: edit(baseEKS, "", "storage: {bucket: {name: ab}}\n"),
		want: `t.yaml:14:26: storage.bucket.name: "ab" is not a bucket name: it must be 3 to 63 characters long`},
	{name: "bucket with two dots", spec: edit(baseEKS, "", "storage: {bucket: {name: a..b}}\n"),
		want: `t.yaml:14:26: storage.bucket.name: "a..b" is not a bucket name: it has two dots in a row`},
	{name: "template bucket xn--", spec: edit(baseEKS, "", "templates: {bucket: xn--templates}\n"),
		want: `t.yaml:14:21: templates.bucket: "xn--templates" is not a bucket name: the prefix xn-- is reserved by S3`},
	{name: "template bucket .mrap", spec: edit(baseEKS, "", "templates: {bucket: my.mrap}\n"),
		want: `t.yaml:14:21: templates.bucket: "my.mrap" is not a bucket name: the suffix .mrap is reserved by S3`},

	// Regions are the SDK's.
	{name: "us-west-9", spec: edit(baseEKS, "us-west-2", "us-west-9"),
		want: `t.yaml:5:11: metadata.region: "us-west-9" is not a region AWS has (by the AWS SDK's partition data); did you mean "us-west-1"?`},
	{name: "eu-wset-1", spec: edit(baseEKS, "us-west-2", "eu-wset-1"),
		want: `t.yaml:5:11: metadata.region: "eu-wset-1" is not a region AWS has (by the AWS SDK's partition data); did you mean "eu-west-1"?`},
	{name: "upper-case region", spec: edit(baseEKS, "us-west-2", "US-WEST-2"),
		want: `t.yaml:5:11: metadata.region: "US-WEST-2" is not an AWS region name (like us-west-2)`},
	{name: "a zone for a region", spec: edit(baseEKS, "us-west-2", "us-west-2a"),
		want: `t.yaml:5:11: metadata.region: "us-west-2a" is not an AWS region name (like us-west-2)`},
}

func tagList(n int) string {
	var kv []string
	for i := range n {
		kv = append(kv, fmt.Sprintf("k%d: v", i))
	}
	return strings.Join(kv, ", ")
}

func TestLoadHostileSpecs(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Load("t.yaml", []byte(tc.spec))
			var lines []string
			for _, d := range ds {
				lines = append(lines, d.String())
			}
			text := strings.Join(lines, "\n")
			if !ds.HasErrors() || !strings.Contains("\n"+text+"\n", "\n"+tc.want+"\n") {
				t.Errorf("want the line\n%s\ngot:\n%s", tc.want, text)
			}
			for _, d := range ds {
				for _, s := range []string{d.String(), d.Path, d.Message, d.File} {
					if strings.ContainsFunc(s, unsafeRune) {
						t.Errorf("a raw control character in %q", s)
					}
				}
			}
			if tc.secret != "" && strings.Contains(text, tc.secret) {
				t.Errorf("the value %q is printed:\n%s", tc.secret, text)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "tab\there": `tab\x09here`, "\x1b[31mred": `\x1b[31mred`, "bad\xffutf8": `bad\xffutf8`,
		"rtl\u202eover": `rtl\u202eover`, "line\u2028sep": `line\u2028sep`, "ünïcödé ok": "ünïcödé ok", "\x7f": `\x7f`,
		"nul\x00": `nul\x00`, "c1\u0085": `c1\u0085`,
	} {
		got := Escape(in)
		if got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return unicode.IsControl(r) }) {
			t.Errorf("Escape(%q) left a control character", in)
		}
	}
}
