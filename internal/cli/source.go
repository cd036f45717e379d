package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
	"github.com/hpctl/hpctl/templates"
)

// readMode says how a command reads the main template it plans from.
type readMode int

const (
	// readCached reads no network: the cache, else hpctl's embedded copy
	// (validate, and destroy's reading of a spec).
	readCached readMode = iota
	// readLive reads the live template, and when it cannot, the cache or
	// the embedded copy, saying so in one line (plan).
	readLive
	// readStrict reads the live template or fails (deploy: the plan must be
	// of what CloudFormation will be sent).
	readStrict
)

// fetchTimeout bounds the reading of one template: a plan offline must not
// wait for the network.
const fetchTimeout = 15 * time.Second

// templateFiles are what a deploy uploads to the custom bucket first, and
// what its plan is made from: the stand-ins when asked, else templates.dir
// (relative to the spec's folder).
func templateFiles(specFile string, loc plan.Template, standIns bool) ([]deploy.File, error) {
	switch {
	case loc.Source != "custom":
		return nil, nil
	case standIns:
		return deploy.StandIns()
	case loc.UploadDir == "":
		return nil, nil
	}
	dir := loc.UploadDir
	if !filepath.IsAbs(dir) && specFile != spec.StdinName {
		dir = filepath.Join(filepath.Dir(specFile), dir)
	}
	files, err := deploy.DirFiles(dir, strings.SplitN(loc.Key, "/", 2)[0])
	if err != nil {
		return nil, usageErr("templates.dir: %v", err)
	}
	return files, nil
}

// mainTemplate reads the main template from where the deploy gets it: the
// files it uploads first, else the custom or the hosted bucket (public, read
// without credentials), through the cache.
func mainTemplate(ctx context.Context, ios *IO, g *Globals, c *spec.Cluster, region string, loc plan.Template,
	files []deploy.File, mode readMode) (*template.Main, error) {
	if files != nil {
		store := &template.Files{Label: "templates.dir " + c.Templates.Dir, ReadAs: "file", Objects: map[string][]byte{}}
		if c.Templates.Dir == "" {
			store.Label, store.ReadAs = "hpctl's stand-ins", "embedded"
		}
		for _, f := range files {
			store.Objects[f.Key] = f.Body
		}
		main, err := template.LoadMain(ctx, store, loc.Key, nil)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		return main, nil
	}
	offline := mode == readCached || g.Offline || ios.Getenv("HPCTL_OFFLINE") != ""
	if offline && mode == readStrict {
		return nil, usageErr("--offline (or HPCTL_OFFLINE): a deploy reads the live template it sends, %s", loc.URL)
	}
	bucket := &template.Bucket{Name: loc.Bucket, Region: region, Offline: offline, Cache: templateCache(ios)}
	switch {
	case offline:
	case ios.Cloud != nil: // a test's cloud holds the buckets too
		d, err := ios.Cloud(ctx, region)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		bucket.S3 = d.S3
	default:
		clients, err := cloud.New(ctx, cloud.Options{Profile: g.Profile, Region: region, Endpoint: g.Endpoint,
			Anonymous: loc.Source == "hosted", MaxAttempts: 3})
		if err != nil {
			return nil, usageErr("%v", err)
		}
		bucket.S3 = clients.S3
	}
	var fallback *template.Fallback
	if mode != readStrict {
		var err error
		if fallback, err = templates.Fallback(string(c.Orchestrator)); err != nil {
			return nil, err
		}
	}
	fetchCtx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	main, err := template.LoadMain(fetchCtx, bucket, loc.Key, fallback)
	switch {
	case err == nil:
	case errors.Is(err, template.ErrNotFound):
		return nil, usageErr("%v\n%s", err, missingHint(loc))
	case errors.As(err, new(*template.ParseError)):
		return nil, usageErr("%v", err)
	default:
		return nil, fmt.Errorf("the deploy's main template: %w", err)
	}
	if offline && main.Origin.Read == "embedded" {
		main.Origin.Note = "offline and not cached: planned from " + fallback.Label
	}
	return main, nil
}

func missingHint(loc plan.Template) string {
	if loc.Source == "custom" {
		return fmt.Sprintf("fill the bucket first: hpctl templates upload --bucket %s --dir DIR (or templates mirror)", loc.Bucket)
	}
	return "check templates.stage, templates.version and the region"
}

// templateCache is where templates read from S3 are kept: HPCTL_CACHE_DIR,
// else the user's cache folder.
func templateCache(ios *IO) *template.Cache {
	dir := ios.Getenv("HPCTL_CACHE_DIR")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(base, "hpctl", "templates")
	}
	return &template.Cache{Dir: dir}
}
