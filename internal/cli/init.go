package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/hpctl/hpctl/internal/spec"
	"github.com/spf13/cobra"
)

// defaultRegion fills a starter when neither --region nor the environment names one.
const defaultRegion = "us-west-2"

func newInitCmd(ios *IO, g *Globals) *cobra.Command {
	var out, name string
	var force bool
	cmd := &cobra.Command{
		Use: "init eks|slurm [-o FILE]",
		Example: `  hpctl init eks -o cluster.yaml
  hpctl init slurm --name training --region us-east-1 -o slurm.yaml`,
		Short:     "Write a commented starter spec",
		Long:      "init writes a commented starter spec to standard output, or to FILE with -o.\nIt never overwrites a file unless --force is given.",
		ValidArgs: []string{"eks", "slurm"},
		Args:      orchestratorArg,
		RunE: wrap(func(_ *cobra.Command, args []string) error {
			region := g.Region
			for _, env := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
				if region == "" {
					region = ios.Getenv(env)
				}
			}
			if region == "" {
				region = defaultRegion
			}
			file := out
			if file == "" {
				file = "cluster.yaml"
			}
			text, err := spec.Starter(spec.Orchestrator(args[0]), spec.StarterOptions{Name: name, Region: region, File: file})
			if err != nil {
				return usageErr("%v", err)
			}
			if out == "" {
				_, err = ios.Out.Write(text)
				return err
			}
			if err := writeNew(out, text, force); err != nil {
				return err
			}
			fmt.Fprintf(ios.ErrOut, "Wrote %s. Next: hpctl plan %s -f %s\n", out, args[0], out)
			return nil
		}),
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the spec to this file instead of standard output")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the file if it exists")
	cmd.Flags().StringVar(&name, "name", "ml-cluster", "the HyperPod cluster name")
	return cmd
}

// writeNew writes a file that must not exist yet, unless force says otherwise.
func writeNew(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	switch {
	case errors.Is(err, fs.ErrExist):
		return usageErr("%s exists; pass --force to overwrite it", path)
	case err != nil:
		return usageErr("%v", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
