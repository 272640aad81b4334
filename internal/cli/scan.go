package cli

import "github.com/spf13/cobra"

// newScanCmd is filled in by the scan integration; see issue 2.
func newScanCmd(app *App) *cobra.Command {
	return &cobra.Command{Use: "scan [PATH]", Short: "Scan a directory or repository for security problems"}
}
