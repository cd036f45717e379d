package cli

import (
	"github.com/hpctl/hpctl/internal/render"
	"github.com/spf13/cobra"
)

func newValidateCmd(ios *IO, g *Globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use: "validate [-f FILE]",
		Example: `  hpctl validate -f cluster.yaml
  hpctl validate -f - --output json < cluster.yaml`,
		Short: "Check a spec: every problem at once, each with file:line:col and its spec path",
		Long: "validate reads the spec strictly, checks every value, and plans it against the main\n" +
			"template (templates.dir, the cached copy of the live one, or hpctl's embedded copy), so that\n" +
			"its traps and the IDs a brought component must supply are reported too. It makes no AWS\n" +
			"call. Exit code 2 when the spec has errors.",
		Args: cobra.NoArgs,
		RunE: wrap(func(cmd *cobra.Command, _ []string) error {
			l, err := loadAndPlan(cmd.Context(), ios, g, file, loadOptions{command: "validate", read: readCached})
			if err != nil {
				return err
			}
			v := l.validation()
			switch {
			case g.JSON():
				err = render.ValidationJSON(ios.Out, v)
			case v.Valid:
				err = render.ValidationText(ios.Out, v)
			default:
				err = render.ValidationText(ios.ErrOut, v)
			}
			if err != nil {
				return err
			}
			if !v.Valid {
				return reported(ExitUsage, v.Headline())
			}
			return nil
		}),
	}
	addFileFlag(cmd, &file)
	return cmd
}
