package suppress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// yamlBlocks returns the ```yaml code blocks of a Markdown file.
func yamlBlocks(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var blocks []string
	for _, part := range strings.Split(string(data), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	return blocks
}

// The ignore file shown in docs/suppression.md must parse, and its dated entries must behave as
// the page says.
func TestDocsIgnoreFileExample(t *testing.T) {
	var example string
	for _, b := range yamlBlocks(t, filepath.Join("..", "..", "docs", "suppression.md")) {
		if strings.HasPrefix(b, "version: 1") {
			example = b
		}
	}
	if example == "" {
		t.Fatal("docs/suppression.md has no ignore-file example")
	}
	f, err := ParseIgnoreFile(".palisadeignore.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(f.Entries))
	}
	if n := len(f.Expired(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))); n != 2 {
		t.Errorf("%d expired entries on 2027-02-01, want 2", n)
	}
}
