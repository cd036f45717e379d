package deploy

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/watch"
)

// Limits of a lifecycle folder: the guide's base-config is a few dozen
// small files, so a folder far past these is the wrong folder (a home or
// a repository root), read by mistake.
const (
	maxScriptFiles = 1000
	maxScriptBytes = 100 << 20
)

// generated are files the cluster stack writes into the main folder itself
// (the Slurm cluster Lambda's provisioning_parameters.json): uploading the
// user's copy would overwrite what the stack wrote.
var generated = map[string]string{"slurm": "provisioning_parameters.json"}

// ScriptProblem is a lifecycle folder that cannot be uploaded as it is,
// at the spec path that names it.
type ScriptProblem struct {
	Path    string
	Message string
	Warning bool
}

// ScriptFiles reads the plan's lifecycle folders (relative to base, the
// spec's folder) into the objects the deploy uploads, and checks that every
// OnCreate script is there and looks runnable.
func ScriptFiles(base string, p *plan.Plan) ([]File, []ScriptProblem) {
	s := p.Scripts
	if s == nil {
		return nil, nil
	}
	var files []File
	var problems []ScriptProblem
	for i, f := range s.Folders {
		dir := f.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		skip := ""
		if i == 0 {
			skip = generated[p.Orchestrator]
		}
		got, err := readFolder(dir, filepath.Clean(f.Dir), f.Prefix)
		if err != nil {
			problems = append(problems, ScriptProblem{Path: f.From, Message: err.Error()})
			continue
		}
		if skip != "" && slices.ContainsFunc(got, func(x File) bool { return x.Key == f.Prefix+skip }) {
			problems = append(problems, ScriptProblem{Path: f.From, Warning: true,
				Message: fmt.Sprintf("%s is left out of the upload: the cluster stack writes it into the folder from the spec's groups", skip)})
			got = slices.DeleteFunc(got, func(x File) bool { return x.Key == f.Prefix+skip })
		}
		for _, sc := range f.Scripts {
			if msg := checkScript(got, f.Prefix+sc.Name); msg != "" {
				problems = append(problems, ScriptProblem{Path: sc.From, Message: fmt.Sprintf("%s in %s %s", sc.Name, filepath.Clean(f.Dir), msg)})
			}
		}
		files = append(files, got...)
	}
	return files, problems
}

// readFolder reads every regular file of dir (dot-files and dot-folders
// left out) as an object under prefix; shown is the folder as the spec
// names it, for the errors.
func readFolder(dir, shown, prefix string) ([]File, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("the folder %s does not exist", shown)
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, fmt.Errorf("%s is a file; give the folder that holds the lifecycle scripts", shown)
	}
	var out []File
	size := 0
	err = fs.WalkDir(os.DirFS(dir), ".", func(p string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p != "." && strings.HasPrefix(e.Name(), "."):
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		case !e.Type().IsRegular():
			return nil // folders are walked; links and devices are not scripts
		case len(out) == maxScriptFiles:
			return fmt.Errorf("%s holds more than %d files; is it the lifecycle-script folder?", shown, maxScriptFiles)
		}
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		if size += len(body); size > maxScriptBytes {
			return fmt.Errorf("%s holds more than %d MiB; is it the lifecycle-script folder?", shown, maxScriptBytes>>20)
		}
		out = append(out, File{Key: prefix + p, Body: body})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the folder %s holds no files", shown)
	}
	return out, nil
}

// checkScript says what is wrong with an OnCreate script ("" for nothing):
// HyperPod runs it as an executable, so it needs its #! line, and a
// Windows line ending there names an interpreter that does not exist.
func checkScript(files []File, key string) string {
	i := slices.IndexFunc(files, func(f File) bool { return f.Key == key })
	if i < 0 {
		return "does not exist"
	}
	first, _, _ := bytes.Cut(files[i].Body, []byte("\n"))
	switch {
	case !bytes.HasPrefix(first, []byte("#!")):
		return "does not start with a #! line (such as #!/bin/bash); HyperPod runs it as an executable"
	case bytes.HasSuffix(first, []byte("\r")):
		return "has Windows line endings (CRLF); its #! line names an interpreter that does not exist"
	}
	return ""
}

// uploads is hpctl's record of what it put in a lifecycle bucket for a
// stack, kept there beside the objects.
type uploads struct {
	Stack string `json:"stack"`
	// MadeBucket says hpctl made the bucket, so destroy deletes it once
	// it holds nothing else.
	MadeBucket bool `json:"madeBucket"`
	// Objects are the keys with the MD5 of what was uploaded.
	Objects map[string]string `json:"objects"`
}

// ScriptSync is what a deploy does, or did, to the lifecycle bucket.
type ScriptSync struct {
	Bucket     string   `json:"bucket"`
	MakeBucket bool     `json:"makeBucket,omitempty"`
	Upload     []string `json:"upload"`
	Delete     []string `json:"delete"`
	Unchanged  int      `json:"unchanged"`
	// files and record are what Execute writes.
	files  []File
	record uploads
	// recordStale says the record in the bucket is not the new one.
	recordStale bool
}

// Pending reports whether the sync has anything to write.
func (s *ScriptSync) Pending() bool {
	return s != nil && (len(s.Upload) > 0 || len(s.Delete) > 0 || s.recordStale || s.MakeBucket)
}

// pendingScripts works out, reading only, what the deploy will write:
// the files whose object differs, and what an earlier deploy uploaded
// that the folders no longer hold.
func (d *Deployer) pendingScripts(ctx context.Context, p *plan.Plan, files []File) (*ScriptSync, error) {
	s := p.Scripts
	if s == nil {
		return nil, nil
	}
	sync := &ScriptSync{Bucket: s.Bucket, Upload: []string{}, Delete: []string{}, files: files,
		record: uploads{Stack: p.StackName, MadeBucket: s.MakeBucket, Objects: map[string]string{}}}
	_, err := d.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.Bucket)})
	switch {
	case cloud.BucketMissing(err) && s.MakeBucket:
		sync.MakeBucket = true
	case cloud.BucketMissing(err):
		return nil, &Refusal{Reason: fmt.Sprintf("the lifecycle bucket %s does not exist", s.Bucket), Hint: "create it, or leave storage.bucket.name out for hpctl to make one"}
	case cloud.Forbidden(err) && s.MakeBucket:
		return nil, &Refusal{Reason: fmt.Sprintf("the bucket name %s is taken, by another account (S3 names are global)", s.Bucket),
			Hint: "choose another metadata.resourcePrefix, or bring a bucket of yours with storage.bucket.name"}
	case err != nil:
		return nil, fmt.Errorf("check the lifecycle bucket %s (s3:ListBucket): %w", s.Bucket, err)
	case s.MakeBucket:
		if err := d.ownLifecycleBucket(ctx, s.Bucket, p.StackName); err != nil {
			return nil, err
		}
	}
	old := uploads{Objects: map[string]string{}}
	have := map[string]string{}
	if !sync.MakeBucket {
		if err := d.readUploads(ctx, s.Bucket, s.Manifest, &old); err != nil {
			return nil, err
		}
		if have, err = d.etags(ctx, s.Bucket, plan.ScriptsPrefix(p.StackName)); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		sum := md5.Sum(f.Body)
		tag := hex.EncodeToString(sum[:])
		sync.record.Objects[f.Key] = tag
		if have[f.Key] == tag {
			sync.Unchanged++
		} else {
			sync.Upload = append(sync.Upload, f.Key)
		}
	}
	for k := range old.Objects {
		if _, kept := sync.record.Objects[k]; !kept {
			sync.Delete = append(sync.Delete, k)
		}
	}
	slices.Sort(sync.Delete)
	sync.record.MadeBucket = s.MakeBucket // made now, or found with this stack's tag
	sync.recordStale = !sameUploads(old, sync.record)
	return sync, nil
}

func sameUploads(a, b uploads) bool {
	if a.MadeBucket != b.MadeBucket || len(a.Objects) != len(b.Objects) {
		return false
	}
	for k, v := range a.Objects {
		if b.Objects[k] != v {
			return false
		}
	}
	return true
}

// lifecycleTag marks a lifecycle bucket hpctl made, with the stack it
// made it for.
const lifecycleTag = "hpctl:lifecycle-bucket"

// ownLifecycleBucket refuses to write into a bucket named as the one hpctl
// would make, unless hpctl made it for this stack.
func (d *Deployer) ownLifecycleBucket(ctx context.Context, bucket, stack string) error {
	out, err := d.S3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil && cloud.Code(err) != "NoSuchTagSet" {
		return fmt.Errorf("read the tags of %s: %w", bucket, err)
	}
	if err == nil {
		for _, t := range out.TagSet {
			if aws.ToString(t.Key) == lifecycleTag && aws.ToString(t.Value) == stack {
				return nil
			}
		}
	}
	return &Refusal{Reason: fmt.Sprintf("the bucket %s exists, and hpctl did not make it for stack %s", bucket, stack),
		Hint: "bring it with storage.bucket.name (hpctl then writes only under hpctl/" + stack + "/), or choose another metadata.resourcePrefix"}
}

// readUploads reads hpctl's record of a stack's uploads (none: empty).
func (d *Deployer) readUploads(ctx context.Context, bucket, key string, into *uploads) error {
	out, err := d.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if cloud.Code(err) == "NoSuchKey" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("s3://%s/%s is not hpctl's record of its uploads: %w", bucket, key, err)
	}
	return nil
}

// applyScripts writes what pendingScripts found: the bucket when hpctl
// makes it, the changed files, the record, then the removal of what the
// folders no longer hold. The record goes before the removals, so an
// interrupted deploy never forgets an object it put there.
func (d *Deployer) applyScripts(ctx context.Context, sync *ScriptSync, manifest string, emit func(watch.Update)) error {
	if !sync.Pending() {
		return nil
	}
	if sync.MakeBucket {
		if err := d.makeBucket(ctx, sync.Bucket, lifecycleTag, sync.record.Stack); err != nil {
			return err
		}
		d.step(emit, "made the lifecycle bucket %s", sync.Bucket)
	}
	byKey := map[string][]byte{}
	for _, f := range sync.files {
		byKey[f.Key] = f.Body
	}
	// The record first lists the new keys too: a deploy killed mid-upload
	// leaves objects a later destroy still knows as hpctl's.
	record := sync.record
	for _, k := range sync.Delete {
		record.Objects[k] = ""
	}
	if err := d.putUploads(ctx, sync.Bucket, manifest, record); err != nil {
		return err
	}
	for _, k := range sync.Upload {
		if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(sync.Bucket), Key: aws.String(k),
			Body: bytes.NewReader(byKey[k]), ContentType: aws.String(scriptType(k))}); err != nil {
			return fmt.Errorf("upload s3://%s/%s: %w", sync.Bucket, k, err)
		}
	}
	if err := d.deleteKeys(ctx, sync.Bucket, sync.Delete); err != nil {
		return err
	}
	for _, k := range sync.Delete {
		delete(record.Objects, k)
	}
	if len(sync.Delete) > 0 {
		if err := d.putUploads(ctx, sync.Bucket, manifest, record); err != nil {
			return err
		}
	}
	d.step(emit, "lifecycle scripts: %d uploaded, %d unchanged, %d removed, in s3://%s/%s", len(sync.Upload), sync.Unchanged, len(sync.Delete),
		sync.Bucket, path.Dir(manifest)+"/")
	return nil
}

func scriptType(key string) string {
	switch path.Ext(key) {
	case ".sh", ".py", ".conf", ".txt", ".md":
		return "text/plain"
	}
	return contentType(key)
}

func (d *Deployer) putUploads(ctx context.Context, bucket, key string, u uploads) error {
	body, _ := json.MarshalIndent(u, "", "  ") // strings and a bool: it cannot fail
	if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json")}); err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// deleteKeys deletes objects, a thousand (DeleteObjects' most) at a time.
func (d *Deployer) deleteKeys(ctx context.Context, bucket string, keys []string) error {
	for chunk := range slices.Chunk(keys, 1000) {
		ids := make([]s3types.ObjectIdentifier, len(chunk))
		for i, k := range chunk {
			ids[i] = s3types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := d.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("delete from s3://%s: %w", bucket, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete s3://%s/%s: %s (%s)", bucket, aws.ToString(e.Key), aws.ToString(e.Message), aws.ToString(e.Code))
		}
	}
	return nil
}

// Uploaded is what hpctl put in a deployment's lifecycle bucket, as its
// record says; destroy deletes exactly that.
type Uploaded struct {
	Bucket   string   `json:"bucket"`
	Manifest string   `json:"manifest"`
	Keys     []string `json:"keys"`
	// MadeBucket says hpctl made the bucket: destroy deletes it too once
	// the stacks are gone, if it holds nothing else.
	MadeBucket bool `json:"madeBucket,omitempty"`
}

// findUploads reads the record of what hpctl uploaded for the stack into
// its lifecycle bucket (a brought one: a bucket the stacks made holds no
// uploads of hpctl's).
func (d *Deployer) findUploads(ctx context.Context, t *Target, params map[string]string) error {
	bucket := params["S3BucketName"]
	if bucket == "" || params["CreateS3BucketStack"] != "false" {
		return nil
	}
	key := plan.ScriptsManifest(t.StackName)
	var u uploads
	err := d.readUploads(ctx, bucket, key, &u)
	switch {
	case cloud.BucketMissing(err) || cloud.Forbidden(err):
		return nil // not there, or not hpctl's to read: nothing of hpctl's in it
	case err != nil:
		return err
	case u.Objects == nil:
		return nil
	}
	up := &Uploaded{Bucket: bucket, Manifest: key, MadeBucket: u.MadeBucket}
	for k := range u.Objects {
		up.Keys = append(up.Keys, k)
	}
	slices.Sort(up.Keys)
	t.Uploads = up
	return nil
}

// removeUploads deletes what hpctl uploaded, and its record, once the
// cluster that ran the scripts is gone.
func (d *Deployer) removeUploads(ctx context.Context, u *Uploaded, res *Destroyed, emit func(watch.Update)) error {
	if err := d.deleteKeys(ctx, u.Bucket, append(slices.Clone(u.Keys), u.Manifest)); err != nil {
		return err
	}
	what := fmt.Sprintf("the %s hpctl uploaded", Objects(len(u.Keys)))
	d.step(emit, "removed %s to s3://%s/%s", what, u.Bucket, path.Dir(u.Manifest)+"/")
	res.Deleted = append(res.Deleted, what+" to "+u.Bucket)
	return nil
}

// Objects counts lifecycle-script objects: "1 lifecycle-script object", "3 …objects".
func Objects(n int) string {
	if n == 1 {
		return "1 lifecycle-script object"
	}
	return fmt.Sprintf("%d lifecycle-script objects", n)
}

// removeMadeBucket deletes the lifecycle bucket hpctl made, after the
// stacks: what they wrote into it is gone with them. A bucket holding
// anything else is kept, and said so.
func (d *Deployer) removeMadeBucket(ctx context.Context, u *Uploaded, res *Destroyed, emit func(watch.Update)) error {
	out, err := d.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(u.Bucket), MaxKeys: aws.Int32(1)})
	switch {
	case cloud.BucketMissing(err):
		return nil
	case err != nil:
		return fmt.Errorf("list s3://%s: %w", u.Bucket, err)
	case len(out.Contents) > 0:
		res.Leftovers = append(res.Leftovers, Leftover{What: "lifecycle bucket hpctl made, holding objects that are not hpctl's", Name: u.Bucket,
			Remove: fmt.Sprintf("aws s3 rb s3://%s --force", u.Bucket), Verified: true})
		return nil
	}
	if _, err := d.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(u.Bucket)}); err != nil && !cloud.BucketMissing(err) {
		return fmt.Errorf("delete the lifecycle bucket %s: %w", u.Bucket, err)
	}
	d.step(emit, "deleted the lifecycle bucket %s, which hpctl made", u.Bucket)
	res.Deleted = append(res.Deleted, "lifecycle bucket "+u.Bucket)
	return nil
}
