package catalog

import (
	"slices"
	"testing"
)

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		o             *Orchestration
		params, core  int
		extra, slots  int
		firstLogicals []string
	}{
		{o: EKS(), params: 150, core: 15, extra: 9},
		{o: Slurm(), params: 80, core: 11, extra: 0},
	} {
		t.Run(tc.o.Name, func(t *testing.T) {
			if got := len(tc.o.Params); got != tc.params {
				t.Errorf("%d parameters, want %d", got, tc.params)
			}
			seen := map[string]bool{}
			for _, p := range tc.o.Params {
				if seen[p.Name] {
					t.Errorf("parameter %s declared twice", p.Name)
				}
				seen[p.Name] = true
				if p.Type != "String" && p.Type != "Number" && p.Type != "CommaDelimitedList" {
					t.Errorf("%s: type %q", p.Name, p.Type)
				}
				if len(p.Allowed) > 0 && !slices.Contains(p.Allowed, p.Default) {
					t.Errorf("%s: default %q is not allowed by %v", p.Name, p.Default, p.Allowed)
				}
				if !slices.Contains([]string{"Aug", "Dec", "idx", "2026"}, p.Since) || p.About == "" {
					t.Errorf("%s: since %q about %q", p.Name, p.Since, p.About)
				}
			}
			if got := len(tc.o.Core()); got != tc.core {
				t.Errorf("%d core stacks, want %d", got, tc.core)
			}
			if got := len(tc.o.Stacks) - len(tc.o.Core()); got != tc.extra {
				t.Errorf("%d other stacks, want %d", got, tc.extra)
			}
		})
	}
}

// Every name the catalog uses must exist: a typo here would silently turn a
// rule off.
func TestReferences(t *testing.T) {
	for _, o := range []*Orchestration{EKS(), Slurm()} {
		t.Run(o.Name, func(t *testing.T) {
			stack := func(where, name string) {
				if _, ok := o.Stack(name); !ok {
					t.Errorf("%s names unknown stack %q", where, name)
				}
			}
			param := func(where, name string) {
				if _, ok := o.Param(name); !ok {
					t.Errorf("%s names undeclared parameter %q", where, name)
				}
			}
			for _, s := range o.Stacks {
				if s.Switch != "" {
					param(s.Name+".Switch", s.Switch)
				}
				for _, p := range s.When.Params() {
					param(s.Name+".When", p)
				}
				if s.Kind == Inside {
					stack(s.Name+".Host", s.Host)
				}
				if s.Kind != Inside && s.Template == "" {
					t.Errorf("%s has no template file", s.Name)
				}
				if s.Kind == Nested && len(s.LogicalIDs) == 0 {
					t.Errorf("%s is nested but has no logical ID", s.Name)
				}
			}
		})
	}
}

func TestHyperPodCondition(t *testing.T) {
	hp, _ := EKS().Stack("HyperPodClusterStack")
	for _, tc := range []struct {
		cluster, eks, helm string
		want               bool
	}{
		{"true", "true", "true", true},
		{"true", "true", "false", false}, // the silent trap
		{"true", "false", "false", true},
		{"true", "false", "true", true},
		{"false", "true", "true", false},
	} {
		vals := map[string]string{"CreateHyperPodClusterStack": tc.cluster, "CreateEKSClusterStack": tc.eks, "CreateHelmChartStack": tc.helm}
		if got := hp.When.Eval(func(p string) string { return vals[p] }, "us-west-2"); got != tc.want {
			t.Errorf("%v: got %v, want %v", vals, got, tc.want)
		}
	}
}

func TestObservabilityRegion(t *testing.T) {
	obs, _ := EKS().Stack("ObservabilityCustomStack")
	on := func(string) string { return "true" }
	if !obs.When.Eval(on, "us-west-2") || obs.When.Eval(on, "af-south-1") {
		t.Error("observability must follow AMPRegionMapping")
	}
}

func TestPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		o    *Orchestration
		want []string
	}{
		{EKS(), []string{"VpcId", "AvailabilityZoneIds", "SecurityGroupIds", "PrivateSubnetIds", "EksPrivateSubnetIds",
			"NatGatewayIds", "PrivateRouteTableIds", "EksPrivateRouteTableIds", "S3BucketName", "SageMakerIAMRoleName", "FsxAvailabilityZoneId"}},
		{Slurm(), []string{"VpcId", "AvailabilityZoneIds", "S3BucketName", "SageMakerIAMRoleName", "FsxAvailabilityZoneId", "InstanceGroupSettings1"}},
	} {
		var got []string
		for _, p := range tc.o.Params {
			if p.Placeholder {
				got = append(got, p.Name)
			}
		}
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s placeholders %v, want %v", tc.o.Name, got, tc.want)
		}
	}
}

func TestCondString(t *testing.T) {
	hp, _ := EKS().Stack("HyperPodClusterStack")
	want := "CreateHyperPodClusterStack = true and not (CreateEKSClusterStack = true and CreateHelmChartStack = false)"
	if got := hp.When.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	rig, _ := EKS().Stack("RigEndpointStack")
	if got := rig.When.String(); got != "RigSettings1 != '[]'" {
		t.Errorf("got %q", got)
	}
}

func TestInterfaces(t *testing.T) {
	for _, o := range []*Orchestration{EKS(), Slurm()} {
		ifs, err := Interfaces(o.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range o.Stacks {
			if s.Kind == Inside || s.Template == "" || s.Retired != "" || s.Kind == Companion {
				continue
			}
			in, ok := ifs[s.Template]
			if !ok {
				t.Errorf("%s: no recorded interface of %s", o.Name, s.Template)
				continue
			}
			for _, sv := range s.SingleValued {
				if p, ok := in.Parameters[sv.Param]; !ok || p.Type != "String" {
					t.Errorf("%s: %s is single-valued, but %s declares it %+v", s.Name, sv.Param, s.Template, p)
				}
			}
		}
		if p := ifs["hyperpod-cluster-template.yaml"].Parameters["RigSettings20"]; o.Name == "eks" && (p.Type != "String" || *p.Default != "[]") {
			t.Errorf("slots are not expanded: %+v", p)
		}
	}
}
