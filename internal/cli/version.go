package cli

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/spf13/cobra"
)

func newVersionCmd(ios *IO, g *Globals, version string) *cobra.Command {
	return &cobra.Command{
		Use: "version",
		Example: `  hpctl version
  hpctl version --output json`,
		Short: "Print hpctl's version and the template versions it knows",
		Args:  cobra.NoArgs,
		RunE: wrap(func(*cobra.Command, []string) error {
			info := struct {
				Version   string            `json:"version"`
				Go        string            `json:"go"`
				Platform  string            `json:"platform"`
				Spec      string            `json:"spec"`
				Templates map[string]string `json:"templates"`
			}{
				Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Spec: spec.APIVersion,
				Templates: map[string]string{"eks": catalog.EKS().Version, "slurm": catalog.Slurm().Version},
			}
			if g.JSON() {
				return json.NewEncoder(ios.Out).Encode(info) // one document on one line, as every command's

			}
			_, err := fmt.Fprintf(ios.Out, "hpctl %s (%s, %s)\nspec: %s\ntemplates: EKS %s; Slurm %s\n",
				info.Version, info.Go, info.Platform, info.Spec, info.Templates["eks"], info.Templates["slurm"])
			return err
		}),
	}
}
