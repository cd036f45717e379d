package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/logs"
	"github.com/hpctl/hpctl/internal/watch"
)

// DestroyOptions say how far a destroy may go.
type DestroyOptions struct {
	// Retain names resources of a DELETE_FAILED tree to keep, as paths
	// below the main stack: S3BucketStack/LogsBucket.
	Retain []string
	// DisableTerminationProtection lifts a stack's termination protection.
	DisableTerminationProtection bool
	// Adopt lets destroy take a stack hpctl did not make.
	Adopt bool
	// EmptyBrought names the brought buckets the user agreed a hosted
	// template may empty.
	EmptyBrought []string
	// Retry is the command that repeats this destroy, for a failure's hint.
	Retry string
}

// Destroyed ends a destroy: what went, what is left, or why it stopped.
type Destroyed struct {
	Stack       string         `json:"stack"`
	Status      string         `json:"status"`
	Succeeded   bool           `json:"succeeded"`
	AlreadyGone bool           `json:"alreadyGone,omitempty"`
	Deleted     []string       `json:"deleted"`
	Leftovers   []Leftover     `json:"leftovers"`
	RootCause   *watch.Cause   `json:"rootCause,omitempty"`
	Retry       string         `json:"retry,omitempty"`
	Elapsed     watch.Duration `json:"elapsed"`
	// APICalls counts the calls the watchers made, by operation.
	APICalls map[string]int `json:"apiCalls,omitempty"`
}

// Kind names Destroyed in machine-readable output: it is the summary.
func (Destroyed) Kind() string { return "summary" }

// CheckDestroy refuses a destroy that would take what hpctl may not.
func CheckDestroy(t *Target, opt DestroyOptions) error {
	if t.Stack != nil && t.Owner != "" && !opt.Adopt {
		return &Refusal{Reason: t.Owner, Hint: "hpctl destroys only what it made; --adopt (with an explicit confirmation) takes it anyway"}
	}
	if t.Protected && !opt.DisableTerminationProtection {
		return &Refusal{Reason: fmt.Sprintf("stack %s has termination protection", t.StackName),
			Hint: "--disable-termination-protection lifts it first"}
	}
	for _, h := range t.Hazards {
		if !slices.Contains(opt.EmptyBrought, h.Bucket) {
			return &Refusal{Reason: h.Message + ", and it is not this deployment's bucket",
				Hint: "copy what you need, then confirm with --empty-brought-bucket " + h.Bucket}
		}
	}
	if len(opt.Retain) > 0 && t.Status != "DELETE_FAILED" {
		return &Refusal{Reason: fmt.Sprintf("--retain applies to a stack whose deletion failed; %s is %s", t.StackName, orDash(t.Status))}
	}
	for _, r := range opt.Retain {
		if !slices.ContainsFunc(t.resources, func(x resourceRef) bool { return relPath(t, x) == r }) {
			return &Refusal{Reason: fmt.Sprintf("--retain %s: no such resource below %s", r, t.StackName), Problems: failedPaths(t)}
		}
	}
	return nil
}

// relPath is a resource's path below the main stack: Nested/LogicalId.
func relPath(t *Target, r resourceRef) string {
	p := strings.TrimPrefix(strings.TrimPrefix(r.path, t.StackName), "/")
	if p == "" {
		return r.logicalID
	}
	return p + "/" + r.logicalID
}

// failedPaths are the resources whose deletion failed, as --retain takes them.
func failedPaths(t *Target) []string {
	var out []string
	for _, r := range t.resources {
		if r.status == "DELETE_FAILED" && r.typ != stackType {
			out = append(out, relPath(t, r))
		}
	}
	return out
}

// Destroy takes a deployment down: the cluster first, then the buckets the
// stacks made are emptied, then the main stack goes (CloudFormation deletes
// the nested stacks in reverse order, and hpctl follows each), then the
// companion stacks. It stops at the first failure with its root cause.
func (d *Deployer) Destroy(ctx context.Context, t *Target, opt DestroyOptions, emit func(watch.Update)) (Destroyed, error) {
	start := d.now()
	res := Destroyed{Stack: t.StackName, Status: t.Status, Deleted: []string{}, Leftovers: []Leftover{}, APICalls: map[string]int{}}
	done := func(r Destroyed) (Destroyed, error) {
		r.Elapsed = watch.Duration(d.now().Sub(start))
		emit(r)
		return r, nil
	}
	if t.Gone() {
		res.AlreadyGone, res.Succeeded, res.Status = true, true, "gone"
		return done(res)
	}
	if t.Protected {
		if _, err := d.CFN.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{
			StackName: aws.String(t.StackID), EnableTerminationProtection: aws.Bool(false)}); err != nil {
			return res, fmt.Errorf("lift the termination protection of %s: %w", t.StackName, err)
		}
		d.step(emit, "lifted the termination protection of %s", t.StackName)
	}
	if ok, err := d.deleteCluster(ctx, t, &res, emit); err != nil || !ok {
		return finishIfFailed(done, res, err)
	}
	if t.Uploads != nil {
		if err := d.removeUploads(ctx, t.Uploads, &res, emit); err != nil {
			return res, err
		}
	}
	for _, b := range t.Buckets {
		n, err := d.emptyBucket(ctx, b)
		if err != nil {
			return res, err
		}
		d.step(emit, "emptied bucket %s (%d object versions and delete markers)", b, n)
		res.Deleted = append(res.Deleted, fmt.Sprintf("the objects of bucket %s", b))
	}
	if t.Stack != nil {
		if ok, err := d.deleteTree(ctx, t, opt, &res, emit); err != nil || !ok {
			return finishIfFailed(done, res, err)
		}
	}
	for _, c := range t.Companions {
		if ok, err := d.deleteStack(ctx, c.StackName, nil, &res, emit); err != nil || !ok {
			return finishIfFailed(done, res, err)
		}
		res.Deleted = append(res.Deleted, "companion stack "+c.StackName)
	}
	res.Succeeded, res.Status = true, "DELETE_COMPLETE"
	res.Leftovers = d.remaining(ctx, t, opt)
	if u := t.Uploads; u != nil && u.MadeBucket {
		if err := d.removeMadeBucket(ctx, u, &res, emit); err != nil {
			return res, err
		}
	}
	return done(res)
}

func finishIfFailed(done func(Destroyed) (Destroyed, error), res Destroyed, err error) (Destroyed, error) {
	if err != nil {
		return res, err
	}
	return done(res)
}

// deleteCluster deletes the deployment's HyperPod cluster and follows it
// until it is gone, instance groups draining.
func (d *Deployer) deleteCluster(ctx context.Context, t *Target, res *Destroyed, emit func(watch.Update)) (bool, error) {
	if t.Cluster == "" || t.ClusterState == nil {
		return true, nil
	}
	if t.ClusterState.Status != "Deleting" {
		_, err := d.SM.DeleteCluster(ctx, &sagemaker.DeleteClusterInput{ClusterName: aws.String(t.Cluster)})
		if err != nil && !cloud.ClusterMissing(err) {
			// A retried DeleteCluster whose first attempt went through finds
			// the cluster deleting already: that is what was asked.
			if c, derr := describeCluster(ctx, d.SM, t.Cluster, d.now); derr != nil || (c != nil && c.Status != "Deleting") {
				return false, fmt.Errorf("delete cluster %s: %w", t.Cluster, err)
			}
		}
	}
	d.step(emit, "deleting HyperPod cluster %s", t.Cluster)
	w := d.watcher(watch.Options{Cluster: t.Cluster, Deleting: true})
	sum, err := w.RunCluster(ctx, silent(emit))
	count(res, sum)
	if err != nil {
		return false, err
	}
	if !sum.Succeeded {
		res.Status, res.RootCause = "cluster "+sum.Status, sum.RootCause
		res.Retry = t.retry("")
		return false, nil
	}
	res.Deleted = append(res.Deleted, "HyperPod cluster "+t.Cluster)
	return true, nil
}

// silent passes on every update but summaries: Destroyed is the one summary.
func silent(emit func(watch.Update)) func(watch.Update) {
	return func(u watch.Update) {
		if _, ok := u.(watch.Summary); !ok {
			emit(u)
		}
	}
}

func count(res *Destroyed, sum watch.Summary) {
	for k, v := range sum.APICalls {
		res.APICalls[k] += v
	}
}

// deleteTree deletes the main stack, then any nested stack that --retain
// kept so that only the named resource stays.
func (d *Deployer) deleteTree(ctx context.Context, t *Target, opt DestroyOptions, res *Destroyed, emit func(watch.Update)) (bool, error) {
	top, below := splitRetain(opt.Retain)
	ok, err := d.deleteStack(ctx, t.StackID, top, res, emit)
	if err != nil || !ok {
		if !ok && err == nil {
			if err := d.afterFailure(ctx, t, res); err != nil {
				return false, err
			}
		}
		return false, err
	}
	what := "stack " + t.StackName
	if len(t.Nested) > 0 {
		what += fmt.Sprintf(" and its %d nested stacks", len(t.Nested))
	}
	res.Deleted = append(res.Deleted, what)
	for _, logical := range top {
		inner, ok := below[logical]
		if !ok {
			continue
		}
		id := ""
		for _, r := range t.resources {
			if r.stackID == t.StackID && r.logicalID == logical {
				id = r.physicalID
			}
		}
		if ok, err := d.deleteStack(ctx, id, inner, res, emit); err != nil || !ok {
			return false, err
		}
		res.Deleted = append(res.Deleted, "nested stack "+logical+" (kept: "+strings.Join(inner, ", ")+")")
	}
	return true, nil
}

// splitRetain turns --retain paths into the main stack's RetainResources
// and, per retained nested stack, what to retain inside it.
func splitRetain(paths []string) (top []string, below map[string][]string) {
	below = map[string][]string{}
	for _, p := range paths {
		first, rest, nested := strings.Cut(p, "/")
		if !slices.Contains(top, first) {
			top = append(top, first)
		}
		if nested {
			below[first] = append(below[first], rest)
		}
	}
	return top, below
}

// deleteStack deletes one stack and watches it to its end.
func (d *Deployer) deleteStack(ctx context.Context, id string, retain []string, res *Destroyed, emit func(watch.Update)) (bool, error) {
	st, err := d.describe(ctx, id)
	if err != nil {
		return false, err
	}
	if st == nil || st.StackStatus == "DELETE_COMPLETE" {
		return true, nil
	}
	opts := watch.Options{Stack: aws.ToString(st.StackId), Deleting: true}
	if st.StackStatus == "DELETE_IN_PROGRESS" {
		opts.FromOperationStart = true
	} else {
		after, err := d.newestEvent(ctx, opts.Stack)
		if err != nil {
			return false, err
		}
		opts.AfterEventID = after
		d.step(emit, "deleting stack %s", aws.ToString(st.StackName))
		in := &cloudformation.DeleteStackInput{StackName: aws.String(opts.Stack), ClientRequestToken: aws.String(d.token())}
		if len(retain) > 0 {
			in.RetainResources = retain
		}
		if _, err := d.CFN.DeleteStack(ctx, in); err != nil {
			return false, fmt.Errorf("delete stack %s: %w", aws.ToString(st.StackName), err)
		}
	}
	sum, err := d.watcher(opts).Run(ctx, silent(emit))
	count(res, sum)
	if err != nil {
		return false, err
	}
	res.Status = sum.Status
	if !sum.Succeeded {
		res.RootCause = sum.RootCause
		return false, nil
	}
	return true, nil
}

// afterFailure reads the tree again to name what could not be deleted,
// and the command that retries keeping it.
func (d *Deployer) afterFailure(ctx context.Context, t *Target, res *Destroyed) error {
	again := &Target{StackName: t.StackName, StackID: t.StackID}
	if err := d.walk(ctx, again, t.StackID, t.StackName); err != nil {
		return err
	}
	res.Retry = t.retry(strings.Join(failedPaths(again), ","))
	return nil
}

// retry is the command that repeats the destroy, keeping what is named.
func (t *Target) retry(retain string) string {
	cmd := "hpctl destroy " + t.StackName + " --region " + t.Region
	if retain != "" {
		cmd += " --retain " + retain
	}
	return cmd
}

// emptyBucket deletes every object version and delete marker of a bucket;
// a bucket already gone is empty. Each round lists from the start: what it
// deleted is gone, so no marker has to survive the deletion.
func (d *Deployer) emptyBucket(ctx context.Context, bucket string) (int, error) {
	n := 0
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)}
	if d.versionsPage > 0 {
		in.MaxKeys = aws.Int32(d.versionsPage)
	}
	for {
		out, err := d.S3.ListObjectVersions(ctx, in)
		if cloud.BucketMissing(err) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("list the objects of %s: %w", bucket, err)
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range out.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			return n, nil
		}
		for len(ids) > 0 {
			batch := ids[:min(len(ids), 1000)]
			ids = ids[len(batch):]
			del, err := d.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket),
				Delete: &s3types.Delete{Objects: batch, Quiet: aws.Bool(true)}})
			if err != nil {
				return n, fmt.Errorf("empty %s: %w", bucket, err)
			}
			if len(del.Errors) > 0 {
				e := del.Errors[0]
				return n, fmt.Errorf("empty %s: %s: %s", bucket, aws.ToString(e.Key), aws.ToString(e.Message))
			}
			n += len(batch)
		}
	}
}

// remaining checks, after a destroy, which of the known leftovers are
// really there, and adds what --retain kept.
func (d *Deployer) remaining(ctx context.Context, t *Target, opt DestroyOptions) []Leftover {
	out := []Leftover{}
	for _, l := range t.Leftovers {
		switch {
		case l.checkStack != "":
			st, err := d.describe(ctx, l.checkStack)
			if err == nil && st == nil {
				continue
			}
			l.Verified = err == nil
		case l.checkBucket != "":
			_, err := d.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(l.checkBucket)})
			if cloud.BucketMissing(err) {
				continue
			}
			l.Verified = err == nil
		case l.checkLogs != "" && d.Logs != nil:
			groups, err := logs.Groups(ctx, d.Logs, l.checkLogs)
			if err == nil && len(groups) == 0 {
				continue
			}
			if l.Verified = err == nil; l.Verified {
				names := make([]string, len(groups))
				for i, g := range groups {
					names[i] = g.Name
				}
				l.Name = strings.Join(names, ", ")
			}
		}
		out = append(out, l)
	}
	for _, path := range opt.Retain {
		for _, r := range t.resources {
			if relPath(t, r) == path {
				out = append(out, Leftover{What: "kept by --retain: " + path + " (" + r.typ + ")", Name: r.physicalID,
					Remove: "delete it with the " + serviceOf(r.typ) + " console or CLI", Verified: true})
			}
		}
	}
	return out
}

func serviceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) > 1 {
		return parts[1]
	}
	return typ
}
