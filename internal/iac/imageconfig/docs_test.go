package imageconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

// TestDocsListEveryCheck keeps docs/image-config.md in step with what runs over images and why
// the rest does not.
func TestDocsListEveryCheck(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(shareddata.ModuleRoot(t), "docs", "image-config.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, r := range Rules() {
		if !strings.Contains(doc, "| `"+r.ID+"` | yes |") {
			t.Errorf("docs/image-config.md does not list %s as running over images", r.ID)
		}
	}
	for _, n := range notForImages {
		id, why := n.id, n.why
		if !strings.Contains(doc, "| `"+id+"` | no: "+why+" |") {
			t.Errorf("docs/image-config.md does not list %s as not running, with its reason", id)
		}
	}
}
