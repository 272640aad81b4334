package twins

import (
	"archive/tar"
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

// UntarVuln is UntarSecureJoin's twin without securejoin: the entry's name is joined as it is.
func UntarVuln(tr *tar.Reader, dest string) {
	for {
		h, err := tr.Next()
		if err != nil {
			return
		}
		os.WriteFile(filepath.Join(dest, h.Name), nil, 0o600) // want "go-zip-slip"
	}
}
