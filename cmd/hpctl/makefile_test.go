package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// `make help` lists the targets that say what they do (`target: ## …`):
// every phony target must, so that help lists them all.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	phony := regexp.MustCompile(`(?m)^\.PHONY:(.*)$`).FindStringSubmatch(text)
	if phony == nil {
		t.Fatal("the Makefile has no .PHONY line")
	}
	for _, target := range strings.Fields(phony[1]) {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:.*## \S`).MatchString(text) {
			t.Errorf("target %s has no `## what it does`, so make help leaves it out", target)
		}
	}
}
