package cli

import (
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/spf13/cobra"
)

func newSchemaCmd(ios *IO) *cobra.Command {
	return &cobra.Command{
		Use: "schema",
		Example: `  hpctl schema > hpctl.schema.json
  # in cluster.yaml, for editors: # yaml-language-server: $schema=hpctl.schema.json`,
		Short: "Print the JSON Schema of the spec, for editors",
		Args:  cobra.NoArgs,
		RunE: wrap(func(*cobra.Command, []string) error {
			b, err := spec.Schema()
			if err != nil {
				return err
			}
			_, err = ios.Out.Write(b)
			return err
		}),
	}
}
