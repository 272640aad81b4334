package twins

import (
	"archive/zip"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// PathVuln opens a file named by the request, and extracts a zip without checking entry names.
func PathVuln(w http.ResponseWriter, r *http.Request) {
	p := filepath.Join("/srv/files", r.PathValue("name"))
	f, _ := os.Open(p) // want "go-path-traversal"
	io.Copy(w, f)
}

// UnzipVuln writes each entry where its name says (zip-slip).
func UnzipVuln(zr *zip.Reader, dest string) {
	for _, f := range zr.File {
		out := filepath.Join(dest, f.Name)
		os.WriteFile(out, nil, 0o600) // want "go-zip-slip"
	}
}
