package inventory

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
)

// extractPyInstalled reads the core metadata of an installed Python distribution:
// NAME-VERSION.dist-info/METADATA (wheels, pip), NAME.egg-info/PKG-INFO (setuptools) or a
// NAME-VERSION.egg-info file (distutils). Name is normalised as PyPI does (PEP 503), Version kept
// as written; licences from License-Expression, "License ::" classifiers or License.
func extractPyInstalled(_ context.Context, in *input) ([]Package, error) {
	p, err := pyMetadataPackage(in.data)
	if err != nil {
		return nil, err
	}
	return []Package{p}, nil
}

// extractPyEgg reads an egg installed as a zip file (NAME-VERSION-pyX.Y.egg, as easy_install
// left them): its EGG-INFO/PKG-INFO, read within the bounds of a Java archive's metadata. The
// line is not given: it would be a line inside the archive.
func extractPyEgg(_ context.Context, in *input) ([]Package, error) {
	zr, f, err := openZip(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for _, zf := range zr.File {
		if zf.Name != "EGG-INFO/PKG-INFO" {
			continue
		}
		data, err := readArchiveEntry(zf, maxArchiveMeta, defaultArchiveRead())
		if err != nil {
			return nil, fmt.Errorf("EGG-INFO/PKG-INFO: %w", err)
		}
		p, err := pyMetadataPackage(data)
		if err != nil {
			return nil, fmt.Errorf("EGG-INFO/PKG-INFO: %w", err)
		}
		p.Location.StartLine = 0
		return []Package{p}, nil
	}
	return nil, errors.New("no EGG-INFO/PKG-INFO in the egg")
}

// pyMetadataPackage is the package core metadata describes.
func pyMetadataPackage(data []byte) (Package, error) {
	h, bad := parseCoreMetadata(data)
	name, version := h.get("name"), h.get("version")
	if name.value == "" || version.value == "" {
		if bad != nil {
			return Package{}, bad
		}
		return Package{}, errAt(max(name.line, version.line, 1), "core metadata without a Name or Version header")
	}
	p := Package{Name: normalizePyPI(name.value), Version: version.value, Ecosystem: PyPI}
	p.Location.StartLine = name.line
	p.Licenses = pyMetadataLicense(data)
	return p, nil
}

// metaHeader is one header of a core metadata file, with the line it starts on.
type metaHeader struct {
	value string
	line  int
}

// coreMetadata holds the first value of each header, by lower-cased name.
type coreMetadata map[string]metaHeader

func (c coreMetadata) get(name string) metaHeader { return c[name] }

// maxMetadataHeaders bounds how many header lines are read: real files have a few dozen to a few
// hundred (classifiers); the long description after the headers is not read at all.
const maxMetadataHeaders = 100_000

// parseCoreMetadata reads the email-style headers of a Python core metadata file (PEP 566) up to
// the first blank line. Continuation lines (starting with a space or tab) belong to the header
// above. Metadata written by old tools is not always tidy, so a line that is neither a header nor
// a continuation is passed over; the first one is returned as bad, naming its line, for the caller
// to report when the headers it needs are missing (the file may not be metadata at all).
func parseCoreMetadata(data []byte) (out coreMetadata, bad error) {
	out = coreMetadata{}
	n := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		if n > maxMetadataHeaders {
			return out, cmp.Or(bad, errAt(n, "more than %d header lines", maxMetadataHeaders))
		}
		text := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(text) == "" {
			break
		}
		if text[0] == ' ' || text[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(text, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			if bad == nil {
				bad = errAt(n, "not a \"Name: value\" header: %q", clip(text))
			}
			continue
		}
		k = strings.ToLower(k)
		if _, seen := out[k]; !seen {
			out[k] = metaHeader{value: strings.TrimSpace(v), line: n}
		}
	}
	return out, bad
}
