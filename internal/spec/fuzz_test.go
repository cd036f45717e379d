package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds the loader arbitrary bytes: it must never panic, every
// finding must carry a place in the file, and none may print a control
// character. The hostile corpus seeds it.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	for _, s := range []string{baseEKS, baseSlurm, "", "---\n---\n", "a: &a [*a]\n", "metadata: {name: [x]}\n", "\x00"} {
		f.Add([]byte(s))
	}
	for _, tc := range hostile {
		f.Add([]byte(tc.spec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ds := Load("fuzz.yaml", data)
		for _, d := range ds {
			if d.Pos.Line < 1 || d.Pos.Col < 1 || d.Message == "" {
				t.Fatalf("finding without a place or message: %+v", d)
			}
			if strings.ContainsFunc(d.String(), unsafeRune) || strings.ContainsFunc(d.Path, unsafeRune) {
				t.Fatalf("a raw control character: %q", d.String())
			}
		}
		if c == nil && !ds.HasErrors() {
			t.Fatal("no spec and no error")
		}
		if c != nil {
			_ = c.ResourcePrefix() + c.StackName()
		}
	})
}
