package deploy

import "testing"

func TestTemplateLabel(t *testing.T) {
	for url, want := range map[string]string{
		"https://aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod.s3.us-west-2.amazonaws.com/templates/main.yaml": "hosted prod @0123abcd",
		"https://my-templates.s3.eu-west-1.amazonaws.com/main.yaml":                                                  "bucket my-templates @0123abcd",
		"https://s3.us-west-2.amazonaws.com/my-templates/main.yaml":                                                  "bucket my-templates @0123abcd",
		"http://127.0.0.1:4566/my-templates/main.yaml":                                                               "bucket my-templates @0123abcd",
	} {
		if got := templateLabel(&Template{URL: url, SHA256: "0123abcdef"}); got != want {
			t.Errorf("%s: %q, want %q", url, got, want)
		}
	}
	if got := templateLabel(nil); got != "" {
		t.Errorf("no template: %q", got)
	}
}
