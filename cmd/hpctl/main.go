// Command hpctl deploys SageMaker HyperPod clusters through the AWS-hosted
// CloudFormation main stacks.
package main

import (
	"os"

	"github.com/hpctl/hpctl/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(cli.Main(version))
}
