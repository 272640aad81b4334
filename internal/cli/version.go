package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of palisade and the Go toolchain that built it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit := ""
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" {
						commit = s.Value
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "palisade %s\ngo %s %s/%s\n", app.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			if commit != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "commit %s\n", commit)
			}
			return nil
		},
	}
}
