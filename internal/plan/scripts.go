package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hpctl/hpctl/internal/spec"
)

// Scripts are the user's own lifecycle folders, which the deploy uploads to
// the lifecycle bucket before CloudFormation runs, under a prefix hpctl
// owns (hpctl/<stackName>/). The hosted lifecycle stack is off then; the
// groups' LifeCycleConfig points at the uploaded folders.
type Scripts struct {
	Bucket string `json:"bucket"`
	// MakeBucket says hpctl creates the bucket itself (the spec brings
	// none): the scripts must be in it before the cluster starts, and a
	// bucket the stacks made would come too late.
	MakeBucket bool `json:"makeBucket"`
	// Manifest is the key of hpctl's record of what it uploaded, which a
	// later deploy syncs against and destroy deletes by.
	Manifest string   `json:"manifest"`
	Folders  []Folder `json:"folders"`
}

// Folder is one local folder and where it goes.
type Folder struct {
	// Dir is the folder as the spec writes it (relative to the spec's).
	Dir string `json:"dir"`
	// From is the spec path that names it.
	From   string `json:"from"`
	Prefix string `json:"prefix"`
	// Scripts are the OnCreate scripts the groups run from it.
	Scripts []Script `json:"scripts"`
}

// Script is an OnCreate script and the groups that run it.
type Script struct {
	Name   string   `json:"name"`
	From   string   `json:"from"`
	Groups []string `json:"groups"`
}

// SourceURI is the folder's SourceS3Uri.
func (s *Scripts) SourceURI(f Folder) string {
	return "s3://" + s.Bucket + "/" + strings.TrimSuffix(f.Prefix, "/")
}

// ScriptsPrefix is where hpctl keeps what it uploads for a stack.
func ScriptsPrefix(stackName string) string { return "hpctl/" + stackName + "/" }

// ScriptsManifest is the key of the record of what hpctl uploaded for a
// stack; destroy finds it from the stack's name and its bucket.
func ScriptsManifest(stackName string) string { return ScriptsPrefix(stackName) + "uploaded.json" }

// scripts plans the user's own lifecycle folders: the storage folder for
// every group, and a group's own folder or script where it says so.
func (r *resolver) scripts() *Scripts {
	c := r.c
	own := c.OwnScripts()
	if own == nil {
		return nil
	}
	s := &Scripts{Bucket: c.Storage.Bucket.Name, Manifest: ScriptsManifest(c.StackName())}
	if s.Bucket == "" {
		s.Bucket, s.MakeBucket = c.ResourcePrefix()+"-bucket", true
	}
	base := ScriptsPrefix(c.StackName())
	folder := func(dir, from, prefix string) int {
		if i := slices.IndexFunc(s.Folders, func(f Folder) bool { return f.Dir == dir }); i >= 0 {
			return i
		}
		s.Folders = append(s.Folders, Folder{Dir: dir, From: from, Prefix: prefix})
		return len(s.Folders) - 1
	}
	run := func(i int, name, from, group string) {
		f := &s.Folders[i]
		j := slices.IndexFunc(f.Scripts, func(x Script) bool { return x.Name == name })
		if j < 0 {
			f.Scripts = append(f.Scripts, Script{Name: name, From: from})
			j = len(f.Scripts) - 1
		}
		if group != "" {
			f.Scripts[j].Groups = append(f.Scripts[j].Groups, group)
		}
	}
	main := folder(own.Dir, "storage.lifecycleScripts.dir", base+"lifecycle/")
	if !c.Cluster.Creates() || len(c.Cluster.InstanceGroups) == 0 {
		run(main, own.OnCreateScript(), "storage.lifecycleScripts.onCreate", "")
	}
	for i, g := range c.Cluster.InstanceGroups {
		p := fmt.Sprintf("cluster.instanceGroups[%d].lifecycle", i)
		dir, script, from := main, own.OnCreateScript(), "storage.lifecycleScripts.onCreate"
		if l := g.Lifecycle; l != nil {
			if l.Dir != "" {
				dir = folder(l.Dir, p+".dir", base+"lifecycle-"+g.Name+"/")
			}
			if l.OnCreate != "" {
				script, from = l.OnCreate, p+".onCreate"
			}
		}
		run(dir, script, from, g.Name)
	}
	return s
}

// groupLifecycle is the LifeCycleConfig of a group that runs other scripts
// than the main folder's: set in its slot, which the cluster Lambda passes
// through as it stands (nil for the others, which OnCreatePath covers).
func (s *Scripts) groupLifecycle(g spec.InstanceGroup, own *spec.LifecycleScripts) *lifeCycleConfig {
	if s == nil || g.Lifecycle == nil {
		return nil
	}
	for _, f := range s.Folders {
		for _, x := range f.Scripts {
			if slices.Contains(x.Groups, g.Name) && (f.Prefix != s.Folders[0].Prefix || x.Name != own.OnCreateScript()) {
				return &lifeCycleConfig{SourceS3Uri: s.SourceURI(f), OnCreate: x.Name}
			}
		}
	}
	return nil
}

// onCreatePath is the OnCreatePath the main folder's groups get: the
// Lambda makes SourceS3Uri of its folder and OnCreate of its file.
func (s *Scripts) onCreatePath(own *spec.LifecycleScripts) string {
	return path.Join(s.Folders[0].Prefix, own.OnCreateScript())
}
