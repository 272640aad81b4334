package imageconfig_test

import (
	"context"
	"fmt"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/imageconfig"
)

// An image scanner hands over the config blob and places history findings on its layers.
func ExampleCheck() {
	config := []byte(`{
	  "config": {"User": "", "Env": ["PATH=/usr/bin", "DB_PASSWORD=s3cr3t-value-123456"]},
	  "history": [
	    {"created_by": "/bin/sh -c #(nop) ADD file:0123 in / "},
	    {"created_by": "ENV DB_PASSWORD=s3cr3t-value-123456", "empty_layer": true},
	    {"created_by": "RUN /bin/sh -c curl -fsSL https://get.example.com | sh # buildkit"}
	  ]
	}`)
	fs, problems, err := imageconfig.Check(context.Background(), config, imageconfig.Options{
		Path: "registry.example/app:1.2",
		Locate: func(index int, _ string) finding.Location {
			// The scanner would attach the entry's layer here (finding.Location.Layer).
			return imageconfig.HistoryLocation("registry.example/app:1.2", index)
		},
	})
	if err != nil || len(problems) > 0 {
		fmt.Println(err, problems)
		return
	}
	for _, f := range fs {
		fmt.Printf("%s at %s: %s\n", f.RuleID, f.Location.Path, f.Description)
	}
	// Output:
	// docker-root-user at registry.example/app:1.2/config.User: the image's config sets no User, so it runs as root
	// docker-pipe-to-shell at registry.example/app:1.2/history[2]: RUN pipes a download into a shell
	// docker-secret-in-env at registry.example/app:1.2/history[1]: ENV DB_PASSWORD holds a literal value (s3cr*****)
	// docker-no-healthcheck at registry.example/app:1.2/config.Healthcheck: the image declares no HEALTHCHECK
}
