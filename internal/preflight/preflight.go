// Package preflight reads what a spec brings and what the account has
// (quotas, training plans, the brought network, cluster, bucket, role and
// file system) before a deploy changes anything, and reports every finding
// at once against the spec line that caused it. The ways HyperPod
// deployments really fail (no quota, a plan in another zone, a subnet in the
// wrong zone) otherwise show up as a rollback after the VPC, EKS and FSx
// were built.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/spec"
)

// Clients are the readers the checks call. A check whose reader is nil is
// not run and is reported as skipped.
type Clients struct {
	Region   string
	Quotas   cloud.Quotas
	Capacity cloud.Capacity
	Network  cloud.Network
	EKS      cloud.Kubernetes
	IAM      cloud.Roles
	FSx      cloud.FileSystems
	S3       cloud.S3
}

// FromCloud takes the readers out of a region's SDK clients.
func FromCloud(c *cloud.Clients) Clients {
	return Clients{Region: c.Region, Quotas: c.Quotas, Capacity: c.SageMaker, Network: c.EC2, EKS: c.EKS, IAM: c.IAM, FSx: c.FSx, S3: c.S3}
}

// A check is one thing preflight verifies, named as --skip-preflight takes it.
type check struct {
	name string
	// needs says whether the spec gives the check anything to look at.
	needs func(*spec.Cluster) bool
	// ready says whether the readers it calls are there.
	ready func(Clients) bool
	run   func(*run, context.Context)
}

// checks in the order the summary lists them.
var checks = []check{
	{"quotas", func(c *spec.Cluster) bool { return len(groupsOf(c)) > 0 },
		func(c Clients) bool { return c.Quotas != nil && c.Capacity != nil }, (*run).quotas},
	{"training-plans", func(c *spec.Cluster) bool {
		return slices.ContainsFunc(groupsOf(c), func(g group) bool { return g.plan != "" })
	}, func(c Clients) bool { return c.Capacity != nil }, (*run).trainingPlans},
	{"network", func(c *spec.Cluster) bool { return c.Network.VPC.Brought() || broughtGroups(c) },
		func(c Clients) bool { return c.Network != nil }, (*run).network},
	{"zones", func(c *spec.Cluster) bool { return len(zonesOf(c)) > 0 },
		func(c Clients) bool { return c.Network != nil }, (*run).zones},
	{"eks", func(c *spec.Cluster) bool { return c.ExistingEKS() != "" },
		func(c Clients) bool { return c.EKS != nil }, (*run).eks},
	{"bucket", func(c *spec.Cluster) bool { return c.Storage.Bucket.Name != "" },
		func(c Clients) bool { return c.S3 != nil }, (*run).bucket},
	{"role", func(c *spec.Cluster) bool { return c.IAM.ExecutionRole.Name != "" },
		func(c Clients) bool { return c.IAM != nil }, (*run).role},
	{"fsx", func(c *spec.Cluster) bool { f := c.Storage.FSx; return f.Enabled() && (f.ID != "" || f.SubnetID != "") },
		func(c Clients) bool { return c.FSx != nil && c.Network != nil }, (*run).fsx},
}

// Names lists every check, as --skip-preflight takes them.
func Names() []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.name
	}
	return out
}

// CheckNames refuses a --skip-preflight name that is no check's.
func CheckNames(names []string) error {
	for _, n := range names {
		if n != "all" && !slices.Contains(Names(), n) {
			return fmt.Errorf("--skip-preflight %s: no such check; the checks are %s (or all)", n, strings.Join(Names(), ", "))
		}
	}
	return nil
}

// Report is what preflight found, and what it cost.
type Report struct {
	// Ran, Skipped (by --skip-preflight or for want of a reader) and Idle
	// (nothing in the spec for them) name the checks.
	Ran      []string         `json:"ran"`
	Skipped  []string         `json:"skipped,omitempty"`
	Idle     []string         `json:"idle,omitempty"`
	Calls    int              `json:"calls"`
	Seconds  float64          `json:"seconds"`
	Errors   spec.Diagnostics `json:"errors"`
	Warnings spec.Diagnostics `json:"warnings"`
}

// Kind names the report in NDJSON.
func (Report) Kind() string { return "preflight" }

// OK reports whether nothing stops the deploy.
func (r Report) OK() bool { return len(r.Errors) == 0 }

// Summary is the one line a passing or failing preflight ends with.
func (r Report) Summary() string {
	s := fmt.Sprintf("%d %s, %d AWS %s, %.1f s", len(r.Ran), plural(len(r.Ran), "check", "checks"), r.Calls, plural(r.Calls, "call", "calls"), r.Seconds)
	if len(r.Skipped) > 0 {
		s += "; skipped: " + strings.Join(r.Skipped, ", ")
	}
	return s
}

// Run runs every check the spec gives something to look at, concurrently,
// except those named in skip ("all" skips every one). Only a cancelled
// context is an error: a call that fails leaves a warning naming the
// permission, since the deploy may well succeed without it.
func Run(ctx context.Context, c Clients, s *spec.Cluster, skip []string) (Report, error) {
	start := time.Now()
	r := &run{c: c, s: s}
	var rep Report
	var wg sync.WaitGroup
	for _, ch := range checks {
		switch {
		case !ch.needs(s):
			rep.Idle = append(rep.Idle, ch.name)
			continue
		case slices.Contains(skip, ch.name) || slices.Contains(skip, "all") || !ch.ready(c):
			rep.Skipped = append(rep.Skipped, ch.name)
			continue
		}
		rep.Ran = append(rep.Ran, ch.name)
		wg.Go(func() { ch.run(r, ctx) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	ds := r.ds.Sorted()
	rep.Errors, rep.Warnings = append(spec.Diagnostics{}, ds.Errors()...), append(spec.Diagnostics{}, ds.Warnings()...)
	rep.Calls = int(r.calls.Load())
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// run is one preflight: its findings, its call count and what its checks
// share (the subnets and zones several of them read).
type run struct {
	c     Clients
	s     *spec.Cluster
	calls atomic.Int64

	mu sync.Mutex
	ds spec.Diagnostics

	subnetMu sync.Mutex
	subnets  map[string]*subnet // by ID; nil value: looked up, not there

	zoneOnce sync.Once
	zoneIDs  map[string]string // zone name → zone ID in the region
	zoneErr  error
}

func (r *run) called() { r.calls.Add(1) }

func (r *run) errf(path, format string, args ...any) { r.add(spec.Error, path, format, args...) }

func (r *run) warnf(path, format string, args ...any) { r.add(spec.Warning, path, format, args...) }

func (r *run) add(sev spec.Severity, path, format string, args ...any) {
	d := r.s.Diag(sev, path, format, args...)
	r.mu.Lock()
	r.ds = append(r.ds, d)
	r.mu.Unlock()
}

// unchecked is a call that failed: the check could not say, so it warns,
// with what to grant or skip. A cancelled context says nothing.
func (r *run) unchecked(ctx context.Context, check, path string, err error) {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	r.warnf(path, "not checked: %s; allow it, or skip the check with --skip-preflight %s", cloud.Describe(err), check)
}

// group is an instance group or a restricted instance group, as the
// checks see them.
type group struct {
	path, name, instanceType string
	count                    int
	zone                     string // targetAvailabilityZoneId, "" when not set
	plan                     string // training plan ARN
}

func groupsOf(c *spec.Cluster) []group {
	if !c.Cluster.Creates() {
		return nil
	}
	var out []group
	for i, g := range c.Cluster.InstanceGroups {
		out = append(out, group{fmt.Sprintf("cluster.instanceGroups[%d]", i), g.Name, g.InstanceType, deref(g.Count), g.TargetAvailabilityZoneID, g.TrainingPlanARN})
	}
	for i, g := range c.Cluster.RestrictedInstanceGroups {
		out = append(out, group{fmt.Sprintf("cluster.restrictedInstanceGroups[%d]", i), g.Name, g.InstanceType, deref(g.Count), "", g.TrainingPlanARN})
	}
	return out
}

// broughtGroups reports security groups brought into a VPC hpctl creates
// (which validation refuses, but preflight does not rely on it).
func broughtGroups(c *spec.Cluster) bool {
	sg := c.Network.SecurityGroup
	return sg.ID != "" || len(sg.IDs) > 0
}

// zonesOf are the zone IDs the spec names, with the path of each first mention.
func zonesOf(c *spec.Cluster) map[string]string {
	out := map[string]string{}
	for i, z := range c.Network.AvailabilityZoneIDs {
		if _, ok := out[z]; !ok {
			out[z] = fmt.Sprintf("network.availabilityZoneIds[%d]", i)
		}
	}
	for _, g := range groupsOf(c) {
		if _, ok := out[g.zone]; g.zone != "" && !ok {
			out[g.zone] = g.path + ".targetAvailabilityZoneId"
		}
	}
	return out
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
