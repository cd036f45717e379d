package render

import (
	"strings"
	"testing"
)

// A long line breaks between words to fit, its continuation indented; a
// word is never cut; short lines and lines without a width pass whole.
func TestWrapped(t *testing.T) {
	long := "  + VPCStack                    new VPC 10.192.0.0/16 in usw2-az1, usw2-az2 because network.vpc.cidr is set and the template's condition CreateVPCStackCondition holds"
	for _, tc := range []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"fits", "  short line\n", 80, "  short line\n"},
		{"no terminal", long + "\n", 0, long + "\n"},
		{"wrapped", long + "\n", 60, "  + VPCStack                    new VPC 10.192.0.0/16 in\n" +
			"      usw2-az1, usw2-az2 because network.vpc.cidr is set and\n" +
			"      the template's condition CreateVPCStackCondition holds\n"},
		{"a word longer than the line", "x " + strings.Repeat("y", 30) + "\n", 20, "x\n    " + strings.Repeat("y", 30) + "\n"},
		{"a long resource name", "    eksctl-sagemaker-ml-cluster-eks-addon-iamserviceaccount\n", 30,
			"    eksctl-sagemaker-ml-\n        cluster-eks-addon-\n        iamserviceaccount\n"},
	} {
		var b strings.Builder
		w := NewWrapped(&b, tc.width)
		_, _ = w.Write([]byte(tc.in[:7]))
		_, _ = w.Write([]byte(tc.in[7:]))
		_ = w.Flush()
		if b.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, b.String(), tc.want)
		}
		for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if tc.width > 0 && len(line) > tc.width && !strings.Contains(line, strings.Repeat("y", 30)) {
				t.Errorf("%s: %d columns: %q", tc.name, len(line), line)
			}
		}
		if strings.Join(strings.Fields(b.String()), "") != strings.Join(strings.Fields(tc.in), "") {
			t.Errorf("%s: the words changed", tc.name)
		}
	}
}
