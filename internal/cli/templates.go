package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/template"
)

func newTemplatesCmd(ios *IO, g *Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "templates",
		Example: `  hpctl templates mirror --bucket my-templates
  hpctl templates upload --bucket my-templates --dir ./eks/cloudformation --orchestrator eks`,
		Short: "Fill a custom template bucket (templates.bucket)",
		Long: "A custom template bucket has the hosted bucket's layout: templates/ (EKS),\n" +
			"templates-slurm/ (Slurm) and resources/. `upload` fills it from a local folder laid\n" +
			"out like the published repository; `mirror` copies the hosted bucket into it,\n" +
			"server-side. Both create the bucket when it is missing (encrypted, public access\n" +
			"blocked) and write only objects that changed. Both first check that the bucket\n" +
			"would hold one consistent set: each nested template a main template may create\n" +
			"declares what it is passed, and the Lambda code the templates load is there;\n" +
			"otherwise they write nothing and exit 2.",
	}
	cmd.AddCommand(newTemplatesUploadCmd(ios, g), newTemplatesMirrorCmd(ios, g))
	return cmd
}

func newTemplatesUploadCmd(ios *IO, g *Globals) *cobra.Command {
	var bucket, dir, orch string
	var standIns bool
	cmd := &cobra.Command{
		Use: "upload --bucket B (--dir DIR --orchestrator eks|slurm | --stand-ins)",
		Example: `  hpctl templates upload --bucket my-templates --dir ./eks/cloudformation --orchestrator eks
  hpctl templates upload --bucket my-templates --stand-ins   # the emulator's stand-ins`,
		Short: "Upload templates from a folder (or hpctl's emulator stand-ins) to a bucket",
		Args:  cobra.NoArgs,
		RunE: wrap(func(cmd *cobra.Command, _ []string) error {
			var files []deploy.File
			var err error
			switch {
			case standIns && dir != "":
				return usageErr("--dir and --stand-ins exclude each other")
			case standIns:
				files, err = deploy.StandIns()
			case dir == "":
				return usageErr("upload needs --dir DIR (or --stand-ins)")
			default:
				cat, cerr := catalog.For(orch)
				if cerr != nil {
					return usageErr("--orchestrator %q: eks or slurm", orch)
				}
				files, err = deploy.DirFiles(dir, cat.Prefix)
				if err != nil {
					return usageErr("%v", err)
				}
			}
			if err != nil {
				return err
			}
			over := &template.Files{Label: "the upload", ReadAs: "file", Objects: map[string][]byte{}}
			for _, f := range files {
				over.Objects[f.Key] = f.Body
			}
			return sync(cmd, ios, g, func(d *deploy.Deployer) (deploy.Synced, error) {
				if err := d.CheckSet(cmd.Context(), bucket, over); err != nil {
					return deploy.Synced{}, err
				}
				return d.Upload(cmd.Context(), bucket, files)
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&bucket, "bucket", "", "the template bucket (created when missing)")
	f.StringVar(&dir, "dir", "", "folder laid out like eks/cloudformation or slurm/cloudformation of the published repository")
	f.StringVar(&orch, "orchestrator", "eks", "whose templates the folder holds: eks or slurm")
	f.BoolVar(&standIns, "stand-ins", false, "upload hpctl's stand-ins of both orchestrators (for the local emulator, not AWS)")
	_ = cmd.MarkFlagRequired("bucket")
	return cmd
}

func newTemplatesMirrorCmd(ios *IO, g *Globals) *cobra.Command {
	var bucket, stage string
	cmd := &cobra.Command{
		Use: "mirror --bucket B [--stage prod|gamma]",
		Example: `  hpctl templates mirror --bucket my-templates
  hpctl templates mirror --bucket my-templates --stage gamma`,
		Short: "Copy the AWS-hosted templates and resources into a bucket of the same region",
		Args:  cobra.NoArgs,
		RunE: wrap(func(cmd *cobra.Command, _ []string) error {
			if stage != "prod" && stage != "gamma" {
				return usageErr("--stage %q: prod or gamma", stage)
			}
			return sync(cmd, ios, g, func(d *deploy.Deployer) (deploy.Synced, error) {
				from := plan.HostedBucket(d.Region, stage)
				if err := d.CheckSet(cmd.Context(), bucket, &template.Bucket{S3: d.S3, Name: from, Region: d.Region}); err != nil {
					return deploy.Synced{}, err
				}
				return d.Mirror(cmd.Context(), from, bucket)
			})
		}),
	}
	cmd.Flags().StringVar(&bucket, "bucket", "", "the template bucket (created when missing)")
	cmd.Flags().StringVar(&stage, "stage", "prod", "the hosted stage to copy: prod or gamma")
	_ = cmd.MarkFlagRequired("bucket")
	return cmd
}

// sync runs an upload or mirror and reports what it wrote.
func sync(cmd *cobra.Command, ios *IO, g *Globals, fill func(*deploy.Deployer) (deploy.Synced, error)) error {
	d, err := deployer(cmd.Context(), ios, g, "")
	if err != nil {
		return err
	}
	s, err := fill(d)
	var refused *deploy.Refusal
	switch {
	case errors.As(err, &refused):
		return usageErr("%v", err)
	case err != nil:
		return err
	}
	if g.JSON() {
		return json.NewEncoder(ios.Out).Encode(s)
	}
	created := ""
	if s.CreatedBucket {
		created = " (bucket created: encrypted, public access blocked)"
	}
	_, err = fmt.Fprintf(ios.Out, "s3://%s: %d uploaded, %d unchanged%s\n", s.Bucket, len(s.Copied), s.Unchanged, created)
	return err
}
