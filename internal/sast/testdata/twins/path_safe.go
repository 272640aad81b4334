package twins

import (
	"archive/tar"
	"archive/zip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// PathSafe keeps only the base name.
func PathSafe(w http.ResponseWriter, r *http.Request) {
	p := filepath.Join("/srv/files", filepath.Base(r.PathValue("name")))
	f, _ := os.Open(p) // ok "go-path-traversal"
	io.Copy(w, f)
}

// ConfigFile opens the file its operator names: arguments and environment are not an attacker's
// input for paths (they are for commands and queries).
func ConfigFile() {
	os.ReadFile(os.Getenv("APP_CONFIG")) // ok "go-path-traversal"
}

// UnzipSafe refuses entries that leave the destination.
func UnzipSafe(zr *zip.Reader, dest string) {
	for _, f := range zr.File {
		out := filepath.Join(dest, f.Name)
		if !strings.HasPrefix(out, filepath.Clean(dest)+string(os.PathSeparator)) {
			continue
		}
		os.WriteFile(out, nil, 0o600) // ok "go-zip-slip"
	}
}

// UntarSecureJoin resolves each entry's name inside the destination with securejoin, as Helm's
// chart expansion does: the joined path cannot leave it.
func UntarSecureJoin(tr *tar.Reader, dest string) {
	for {
		h, err := tr.Next()
		if err != nil {
			return
		}
		out, err := securejoin.SecureJoin(dest, h.Name)
		if err != nil {
			continue
		}
		os.WriteFile(out, nil, 0o600) // ok "go-zip-slip"
	}
}
