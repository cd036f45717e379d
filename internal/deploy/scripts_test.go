package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/plan"
)

// ScriptFiles reads the folders into objects under hpctl's prefix and
// refuses, at the spec path, what HyperPod could not run.
func TestScriptFilesReadAndCheck(t *testing.T) {
	ok := "#!/bin/bash\necho ok\n"
	for _, tc := range []struct {
		name   string
		orch   string
		files  map[string]string // relative to the spec's folder; "" a folder
		folder plan.Folder
		keys   []string
		want   []string // problems, "path: message" substrings; "warning " marks one
	}{
		{name: "a folder", files: map[string]string{"s/on_create.sh": ok, "s/lib/x.py": "print()", "s/.git/HEAD": "ref", "s/.env": "x"},
			keys: []string{"p/lib/x.py", "p/on_create.sh"}},
		{name: "no such folder", files: map[string]string{}, want: []string{"storage.lifecycleScripts.dir: the folder s does not exist"}},
		{name: "a file, not a folder", files: map[string]string{"s": ok}, want: []string{"storage.lifecycleScripts.dir: s is a file"}},
		{name: "an empty folder", files: map[string]string{"s/": ""}, want: []string{"the folder s holds no files"}},
		{name: "no OnCreate script", files: map[string]string{"s/setup.sh": ok}, want: []string{"storage.lifecycleScripts.onCreate: on_create.sh in s does not exist"}},
		{name: "no #! line", files: map[string]string{"s/on_create.sh": "echo hi\n"}, want: []string{"on_create.sh in s does not start with a #! line"}},
		{name: "CRLF", files: map[string]string{"s/on_create.sh": "#!/bin/bash\r\necho\r\n"}, want: []string{"has Windows line endings (CRLF)"}},
		{name: "Slurm's generated file is left out", orch: "slurm", files: map[string]string{"s/on_create.sh": ok, "s/provisioning_parameters.json": "{}"},
			keys: []string{"p/on_create.sh"}, want: []string{"warning storage.lifecycleScripts.dir: provisioning_parameters.json is left out of the upload"}},
		{name: "EKS keeps it", files: map[string]string{"s/on_create.sh": ok, "s/provisioning_parameters.json": "{}"},
			keys: []string{"p/on_create.sh", "p/provisioning_parameters.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			for name, body := range tc.files {
				p := filepath.Join(base, name)
				if strings.HasSuffix(name, "/") {
					if err := os.MkdirAll(p, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			orch := tc.orch
			if orch == "" {
				orch = "eks"
			}
			p := &plan.Plan{Orchestrator: orch, Scripts: &plan.Scripts{Folders: []plan.Folder{{Dir: "s", From: "storage.lifecycleScripts.dir", Prefix: "p/",
				Scripts: []plan.Script{{Name: "on_create.sh", From: "storage.lifecycleScripts.onCreate"}}}}}}
			files, problems := ScriptFiles(base, p)
			var keys, got []string
			for _, f := range files {
				keys = append(keys, f.Key)
			}
			for _, x := range problems {
				got = append(got, map[bool]string{true: "warning "}[x.Warning]+x.Path+": "+x.Message)
			}
			text := strings.Join(got, "\n")
			if len(got) != len(tc.want) {
				t.Errorf("problems:\n%s\nwant %d: %q", text, len(tc.want), tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in:\n%s", w, text)
				}
			}
			if tc.keys != nil && !slices.Equal(keys, tc.keys) {
				t.Errorf("keys %v, want %v", keys, tc.keys)
			}
		})
	}
}
