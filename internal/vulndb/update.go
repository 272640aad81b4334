package vulndb

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/palisade-sec/palisade/internal/errkind"
)

// DefaultSource is the public OSV export; mirrors serve the same layout (<base>/<ecosystem>/all.zip).
const DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"

// maxArchiveSize bounds one download, so a broken or hostile mirror cannot fill the disk.
const maxArchiveSize = 4 << 30

// Progress is told how far a download has got; total is -1 when the server did not say.
type Progress func(ecosystem string, done, total int64)

// UpdateOptions configure Update.
type UpdateOptions struct {
	// Dir is the database directory.
	Dir string
	// Source is the base URL of the OSV export. It must be https unless InsecureAllowHTTP is set.
	Source string
	// Ecosystems to fetch; empty means DefaultEcosystems. Ecosystems already in the database and
	// not listed here are kept as they are.
	Ecosystems []string
	// InsecureAllowHTTP permits a plain-http Source (a mirror on a trusted network). The archives
	// are not signed, so over http anyone on the path could change the advisories.
	InsecureAllowHTTP bool
	// Client makes the requests; nil means a client that requires TLS 1.2 or later.
	Client *http.Client
	// Progress, when set, is called as each archive downloads.
	Progress Progress
	// Now stamps the metadata; nil means time.Now.
	Now func() time.Time
}

// Update downloads the OSV export of each ecosystem, verifies and indexes it, and switches the
// database to the result atomically. Any failure — a network error, a truncated archive, a
// record that does not parse — leaves the database in use exactly as it was.
func Update(ctx context.Context, opts UpdateOptions) (Meta, error) {
	base, err := checkSource(opts.Source, opts.InsecureAllowHTTP)
	if err != nil {
		return Meta{}, err
	}
	ecos, err := ecosystemsOrDefault(opts.Ecosystems)
	if err != nil {
		return Meta{}, err
	}
	client := opts.Client
	if client == nil {
		client = defaultClient()
	}
	client = noDowngrade(client, opts.InsecureAllowHTTP)
	staging, err := newStaging(opts.Dir)
	if err != nil {
		return Meta{}, err
	}
	var archives []archive
	for _, eco := range ecos {
		u := base.JoinPath(eco, "all.zip").String()
		path := filepath.Join(staging, fileStem(eco)+".zip")
		if err := download(ctx, client, u, path, eco, opts.Progress); err != nil {
			os.RemoveAll(staging)
			return Meta{}, err
		}
		archives = append(archives, archive{ecosystem: eco, path: path, origin: u, downloaded: true})
	}
	return install(ctx, opts.Dir, staging, archives, now(opts.Now))
}

// ImportOptions configure Import.
type ImportOptions struct {
	// Dir is the database directory.
	Dir string
	// Path is either a directory laid out like the OSV export (<ecosystem>/all.zip) or one zip.
	Path string
	// Ecosystem names the ecosystem of Path when it is a single zip; required then.
	Ecosystem string
	// Ecosystems limits a directory import to these; empty means every ecosystem found there.
	Ecosystems []string
	// Now stamps the metadata; nil means time.Now.
	Now func() time.Time
}

// Import installs OSV archives from local disk, for machines without network access. Like
// Update, it verifies everything before it switches, and never modifies the files it reads.
func Import(ctx context.Context, opts ImportOptions) (Meta, error) {
	fi, err := os.Stat(opts.Path)
	if err != nil {
		return Meta{}, errkind.Wrap(errkind.NotFound, fmt.Errorf("import: %w", err))
	}
	if files, ok, err := secdbFiles(opts.Path); err != nil {
		return Meta{}, errkind.Wrap(errkind.NotFound, fmt.Errorf("import: %w", err))
	} else if ok {
		return importSecdb(ctx, opts, files)
	}
	var archives []archive
	if !fi.IsDir() {
		if opts.Ecosystem == "" {
			return Meta{}, errkind.Wrap(errkind.Invalid, fmt.Errorf("import %s: a single archive needs --ecosystem", opts.Path))
		}
		if err := CheckEcosystem(opts.Ecosystem); err != nil {
			return Meta{}, errkind.Wrap(errkind.Invalid, fmt.Errorf("import %s: %w", opts.Path, err))
		}
		archives = append(archives, archive{ecosystem: opts.Ecosystem, path: opts.Path, origin: absPath(opts.Path)})
	} else {
		archives, err = dirArchives(opts.Path, opts.Ecosystems)
		if err != nil {
			return Meta{}, err
		}
	}
	staging, err := newStaging(opts.Dir)
	if err != nil {
		return Meta{}, err
	}
	return install(ctx, opts.Dir, staging, archives, now(opts.Now))
}

// importSecdb converts Alpine secdb files into the Alpine ecosystem's archive, in the staging
// directory, and installs it like any import: the Alpine data in use is replaced only once every
// file has converted and every record has indexed.
func importSecdb(ctx context.Context, opts ImportOptions, files []string) (Meta, error) {
	if opts.Ecosystem != "" && opts.Ecosystem != "Alpine" {
		return Meta{}, errkind.Wrap(errkind.Invalid, fmt.Errorf("import %s: Alpine secdb files hold ecosystem Alpine, not %s", opts.Path, opts.Ecosystem))
	}
	if len(opts.Ecosystems) > 0 && !slices.Contains(opts.Ecosystems, "Alpine") {
		return Meta{}, errkind.Wrap(errkind.Invalid, fmt.Errorf("import %s: Alpine secdb files hold ecosystem Alpine only", opts.Path))
	}
	staging, err := newStaging(opts.Dir)
	if err != nil {
		return Meta{}, err
	}
	zipPath := filepath.Join(staging, "Alpine-secdb.zip")
	if _, err := secdbToZip(files, zipPath); err != nil {
		os.RemoveAll(staging)
		return Meta{}, fmt.Errorf("import %s: %w", opts.Path, err)
	}
	a := archive{ecosystem: "Alpine", path: zipPath, origin: "alpine-secdb:" + absPath(opts.Path), downloaded: true}
	return install(ctx, opts.Dir, staging, []archive{a}, now(opts.Now))
}

// dirArchives finds <dir>/<ecosystem>/all.zip for the wanted ecosystems (or all present ones).
func dirArchives(dir string, want []string) ([]archive, error) {
	var ecos []string
	if len(want) > 0 {
		ecos = want
	} else {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", dir, err)
		}
		for _, e := range ents {
			if e.IsDir() {
				if _, err := os.Stat(filepath.Join(dir, e.Name(), "all.zip")); err == nil {
					ecos = append(ecos, e.Name())
				}
			}
		}
		if len(ecos) == 0 {
			return nil, errkind.Wrap(errkind.NotFound, fmt.Errorf("import %s: no <ecosystem>/all.zip in the directory", dir))
		}
	}
	var out []archive
	for _, eco := range ecos {
		if err := CheckEcosystem(eco); err != nil {
			hint := ""
			if len(want) == 0 {
				hint = "; pick the ecosystems to import with --ecosystems"
			}
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("import %s: %w%s", filepath.Join(dir, eco), err, hint))
		}
		p := filepath.Join(dir, eco, "all.zip")
		if _, err := os.Stat(p); err != nil {
			return nil, errkind.Wrap(errkind.NotFound, fmt.Errorf("import: %w", err))
		}
		out = append(out, archive{ecosystem: eco, path: p, origin: absPath(p)})
	}
	return out, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func now(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

func ecosystemsOrDefault(ecos []string) ([]string, error) {
	if len(ecos) == 0 {
		return DefaultEcosystems(), nil
	}
	var out []string
	for _, e := range ecos {
		if err := CheckEcosystem(e); err != nil {
			return nil, errkind.Wrap(errkind.Invalid, err)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func checkSource(src string, allowHTTP bool) (*url.URL, error) {
	if src == "" {
		src = DefaultSource
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("database source %q: not an absolute URL", src))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("database source %s: plain http lets anyone on the network change the advisories; use https (or --insecure-allow-http for a trusted mirror)", src))
	default:
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("database source %s: scheme %q not supported (use https, or 'palisade db import' for local files)", src, u.Scheme))
	}
	return u, nil
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t, Timeout: 30 * time.Minute}
}

// noDowngrade returns a copy of c that refuses to follow a redirect away from https (a mirror
// redirecting to plain http would undo the check on Source), unless plain http is allowed.
func noDowngrade(c *http.Client, allowHTTP bool) *http.Client {
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" && !allowHTTP {
			return fmt.Errorf("refusing redirect to %s: not https", req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cc
}

// download fetches u into path, reporting progress, and fails on any status but 200 or a body
// shorter than the server announced.
func download(ctx context.Context, client *http.Client, u, path, eco string, progress Progress) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", eco, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, fmt.Errorf("download %s: %w", eco, err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return errkind.Wrap(errkind.NotFound, fmt.Errorf("download %s: %s: %s (is the ecosystem spelled as OSV spells it?)", eco, u, resp.Status))
	case resp.StatusCode != http.StatusOK:
		return errkind.Wrap(errkind.Unavailable, fmt.Errorf("download %s: %s: %s", eco, u, resp.Status))
	}
	if resp.ContentLength > maxArchiveSize {
		return fmt.Errorf("download %s: %d bytes exceeds the %d-byte limit", eco, resp.ContentLength, int64(maxArchiveSize))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("download %s: %w", eco, err)
	}
	w := &progressWriter{w: f, eco: eco, total: resp.ContentLength, progress: progress}
	n, err := io.Copy(w, io.LimitReader(resp.Body, maxArchiveSize+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return errkind.Wrap(errkind.Unavailable, fmt.Errorf("download %s: %w", eco, err))
	case n > maxArchiveSize:
		return fmt.Errorf("download %s: exceeds the %d-byte limit", eco, int64(maxArchiveSize))
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		return errkind.Wrap(errkind.Unavailable, fmt.Errorf("download %s: got %d of %d bytes", eco, n, resp.ContentLength))
	}
	return nil
}

type progressWriter struct {
	w         io.Writer
	eco       string
	done      int64
	total     int64
	progress  Progress
	lastShown time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.progress != nil && (time.Since(p.lastShown) > 100*time.Millisecond || p.done == p.total) {
		p.lastShown = time.Now()
		p.progress(p.eco, p.done, p.total)
	}
	return n, err
}
