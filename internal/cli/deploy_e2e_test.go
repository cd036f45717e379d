package cli

// End-to-end tests of deploy and watch: the CLI entry point, the real SDK
// over HTTP, the emulator, hpctl's stand-in templates.

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/emulator"
)

const standIns = "hpctl-stand-ins"

type e2e struct {
	t   testing.TB
	ctx context.Context
	emu *emulator.Emulator
	c   *cloud.Clients
}

// onEmulator points this process's AWS environment at a reset emulator
// and fills the template bucket with the stand-ins through the CLI.
func onEmulator(t testing.TB, s emulator.Settings) *e2e {
	t.Helper()
	emu := emulator.ForTest(t)
	ctx := context.Background()
	if err := emu.Configure(ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, k := range emulator.Unset {
		t.Setenv(k, "")
	}
	for _, kv := range emu.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	c, err := emu.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, ctx: ctx, emu: emu, c: c}
	if code, out, errOut := e.hpctl("templates", "upload", "--bucket", standIns, "--stand-ins"); code != 0 {
		t.Fatalf("upload: %d\n%s%s", code, out, errOut)
	}
	return e
}

// hpctl runs the CLI in this process, polling fast.
func (e *e2e) hpctl(args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	return e.hpctlEnv(nil, args...)
}

// hpctlEnv runs the CLI with more environment (a cache of its own unless
// env names one).
func (e *e2e) hpctlEnv(env map[string]string, args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	return e.run(env, args)
}

func (e *e2e) run(env map[string]string, args []string) (code int, stdout, stderr string) {
	all := map[string]string{"AWS_REGION": emulator.Region, "HPCTL_CACHE_DIR": e.t.TempDir()}
	maps.Copy(all, env)
	ios, _, out, errOut := TestIO(all)
	code = Run(e.ctx, append(args, "--poll-interval", "50ms"), ios, "test")
	return code, out.String(), errOut.String()
}

func (e *e2e) deploy(orch, spec string, extra ...string) (int, string, string) {
	e.t.Helper()
	return e.hpctl(append([]string{"deploy", orch, "-f", spec, "--templates-bucket", standIns}, extra...)...)
}

// specFile writes a variant of an example (or of a file by its absolute
// path) with its text replaced.
func specFile(t *testing.T, example string, replace ...string) string {
	t.Helper()
	src := example
	if !filepath.IsAbs(src) {
		src = filepath.Join("../../examples", example)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(replace...).Replace(string(b))
	path := filepath.Join(t.TempDir(), filepath.Base(example))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDeployQuickstartsReachInService(t *testing.T) {
	for _, tc := range []struct {
		orch, spec, stack, cluster string
		groups                     []string
		output                     string
	}{
		{"eks", "eks-quickstart.yaml", "hpctl-ml-cluster", "ml-cluster", []string{"workers"}, "OutputHyperPodClusterArn"},
		{"slurm", "slurm-quickstart.yaml", "hpctl-slurm-cluster", "slurm-cluster", []string{"controller", "login", "workers"}, ""},
	} {
		t.Run(tc.orch, func(t *testing.T) {
			e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.005, ClusterSeconds: 0.3})
			code, out, errOut := e.deploy(tc.orch, "../../examples/"+tc.spec)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			for _, want := range []string{"✓ " + tc.stack + " CREATE_COMPLETE", "cluster " + tc.cluster + " Creating", "cluster " + tc.cluster + " InService", tc.output} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			cl, err := e.c.SageMaker.DescribeCluster(e.ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(tc.cluster)})
			if err != nil {
				t.Fatal(err)
			}
			var groups []string
			for _, g := range cl.InstanceGroups {
				groups = append(groups, aws.ToString(g.InstanceGroupName))
			}
			if cl.ClusterStatus != "InService" || !slices.Equal(groups, tc.groups) {
				t.Errorf("cluster %s with groups %v", cl.ClusterStatus, groups)
			}
			if tc.orch == "slurm" && !strings.Contains(out, "SSMStack: stack hpctl-slurm-cluster-ssm is deployed") {
				t.Errorf("the SSM companion stack was not deployed:\n%s", out)
			}

			code, out, errOut = e.hpctl("status", tc.cluster)
			main := map[string]string{"eks": "templates/main-stack-eks-based-template.yaml", "slurm": "templates-slurm/main-stack-slurm-based-template.yaml"}[tc.orch]
			template := "  Template https://" + standIns + ".s3." + emulator.Region + ".amazonaws.com/" + main + " (sha256 "
			for _, want := range append([]string{"Stack " + tc.stack + ": CREATE_COMPLETE", template, "  HyperPodClusterStack ", "Cluster " + tc.cluster + ": InService"}, tc.groups...) {
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("status lacks %q: exit %d\n%s%s", want, code, out, errOut)
				}
			}

			// The same spec again: nothing to change, exit 0.
			code, out, errOut = e.deploy(tc.orch, "../../examples/"+tc.spec)
			if code != 0 || !strings.Contains(out, "No changes: stack "+tc.stack+" is up to date") {
				t.Errorf("second deploy: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

func TestDeployTimeoutExits3(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.05, ClusterSeconds: 5})
	code, _, errOut := e.deploy("slurm", "../../examples/slurm-quickstart.yaml", "--timeout", "1500ms")
	if code != ExitTimeout || !strings.Contains(errOut, "timed out after 1.5s") ||
		!strings.Contains(errOut, "Re-attach with: hpctl watch hpctl-slurm-cluster --region us-west-2") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

// The first interrupt stops watching and leaves CloudFormation running;
// `hpctl watch` then follows the deployment to its end.
func TestInterruptThenWatch(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.05, ClusterSeconds: 1})
	cmd := e.process("deploy", "eks", "-f", "../../examples/eks-quickstart.yaml", "--templates-bucket", standIns)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "VPCStack/VPC") {
			break // resources are being created
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped watching; stack hpctl-ml-cluster is CREATE_IN_PROGRESS and CloudFormation goes on") ||
		!strings.Contains(stderr.String(), "Re-attach with: hpctl watch hpctl-ml-cluster --region us-west-2") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	code, out, errOut := e.hpctl("watch", "ml-cluster")
	if code != 0 || !strings.Contains(out, "✓ hpctl-ml-cluster CREATE_COMPLETE") || !strings.Contains(out, "cluster ml-cluster InService") ||
		!strings.Contains(out, "HyperPodClusterStack/NewHyperPodCluster") {
		t.Errorf("watch: exit %d\n%s%s", code, out, errOut)
	}
}

// process runs hpctl as its own process (the test binary under the name
// hpctl), so that it can be sent a signal.
func (e *e2e) process(args ...string) *exec.Cmd {
	e.t.Helper()
	self, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	bin := filepath.Join(e.t.TempDir(), "hpctl")
	if err := os.Symlink(self, bin); err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(bin, append(args, "--poll-interval", "50ms")...)
	cmd.Env = os.Environ()
	cmd.WaitDelay = 30 * time.Second
	return cmd
}

// broughtNetwork makes the network eks-existing-vpc.yaml brings (and the
// cluster, role and file system eks-existing-eks.yaml brings) and
// returns the replacements of its example IDs by the real ones.
func (e *e2e) broughtNetwork() []string {
	e.t.Helper()
	out, err := e.c.CloudFormation.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("brought-network"),
		TemplateBody: aws.String(emulator.BroughtNetwork)})
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := emulator.Created(e.ctx, e.c, aws.ToString(out.StackId))
	if err != nil {
		e.t.Fatalf("brought network: %v", err)
	}
	o := map[string]string{}
	for _, x := range s.Outputs {
		o[aws.ToString(x.OutputKey)] = aws.ToString(x.OutputValue)
	}
	subnets, tables := strings.Split(o["Subnets"], ","), strings.Split(o["Tables"], ",")
	// eks-existing-eks.yaml's cluster, which its access entries need.
	if err := emulator.BringEKS(e.ctx, e.c, "platform-eks", subnets[:2]); err != nil {
		e.t.Fatal(err)
	}
	// Its execution role and file system, which preflight looks for.
	fs, err := emulator.BringStorage(e.ctx, e.c, "SageMakerHyperPodExecutionRole", subnets[0], o["Group"])
	if err != nil {
		e.t.Fatal(err)
	}
	return []string{"vpc-0a1b2c3d4e5f67890", o["Vpc"], "sg-0a1b2c3d4e5f67890", o["Group"], "fs-0a1b2c3d4e5f67890", fs,
		"subnet-0a1b2c3d4e5f60001", subnets[0], "subnet-0a1b2c3d4e5f60002", subnets[1],
		"subnet-0a1b2c3d4e5f60003", subnets[2], "subnet-0a1b2c3d4e5f60004", subnets[3],
		"rtb-0a1b2c3d4e5f60001", tables[0], "rtb-0a1b2c3d4e5f60002", tables[1]}
}

// Through the real SDK: a cluster that reads InService with its workers
// short of their count fails the deploy once --nodes-timeout passes, exit 1,
// with the group, its counts and HyperPod's own word on the missing node.
func TestAnInServiceClusterShortOfNodesFails(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.2,
		ShortGroups: []emulator.ShortGroup{{Cluster: "*", Group: "workers", Count: 1, Message: "We currently do not have sufficient capacity"}}})
	code, out, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml", "--yes", "--nodes-timeout", "1s")
	if code != ExitFailed || !strings.Contains(out+errOut, "the cluster is InService but short of nodes") ||
		!strings.Contains(out+errOut, "workers 1 of 2") || !strings.Contains(out+errOut, "(workers): We currently do not have sufficient capacity") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}
