package config_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/palisade-sec/palisade/internal/config"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "palisade-config-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(path, []byte("scan:\n  fail-on: medium\n  max-file-size: 2MiB\n"), 0o600); err != nil {
		panic(err)
	}
	env := map[string]string{"PALISADE_SCAN_FAIL_ON": "critical"}
	cfg, err := config.Load(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	// The CLI applies the flags the user set explicitly, then validates again.
	if err := cfg.Set("scan.formats", "table,sarif:out.sarif", config.FlagOrigin("--format")); err != nil {
		panic(err)
	}
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	fmt.Println(cfg.Scan.FailOn, "from", cfg.Origin("scan.fail-on"))
	fmt.Println(cfg.Scan.MaxFileSize, "from the file, line", cfg.Origin("scan.max-file-size").Line)
	fmt.Println(cfg.Scan.Formats, "from", cfg.Origin("scan.formats"))
	fmt.Println(cfg.Scan.Gitignore, "from", cfg.Origin("scan.gitignore"))

	_, err = config.Parse("palisade.yaml", []byte("scan:\n  fail_on: high\n"))
	fmt.Println(err)
	// Output:
	// critical from environment variable PALISADE_SCAN_FAIL_ON
	// 2MiB from the file, line 3
	// [table sarif:out.sarif] from flag --format
	// true from default
	// config: palisade.yaml:2:3: scan.fail_on: unknown key "fail_on" (want one of: scanners, fail-on, formats, exclude, max-file-size, gitignore, default-skips, ignore-file, baseline, fail-on-problems, accept-problems)
}
