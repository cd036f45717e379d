package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds the loader arbitrary bytes: it must never panic, and every
// finding must carry a place in the file.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	for _, s := range []string{baseEKS, baseSlurm, "", "---\n---\n", "a: &a [*a]\n", "metadata: {name: [x]}\n", "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ds := Load("fuzz.yaml", data)
		for _, d := range ds {
			if d.Pos.Line < 1 || d.Pos.Col < 1 || d.Message == "" {
				t.Fatalf("finding without a place or message: %+v", d)
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
