package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
)

// Bounds on the small JSON documents of an image: real manifests and configs are kilobytes.
const (
	maxManifestBytes = 4 << 20
	maxConfigBytes   = 16 << 20
)

// digestHex returns the hex of a "sha256:<64 hex>" digest, and an error for anything else, so a
// digest from an untrusted manifest is safe to put in a path.
func digestHex(d string) (string, error) {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok {
		return "", fmt.Errorf("digest %q: only sha256 digests are supported", d)
	}
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("digest %q: not a sha256 digest", d)
	}
	return h, nil
}

func sha256Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// readVerified reads a small blob, refusing one over max bytes or whose bytes do not hash to want.
func readVerified(r io.Reader, want string, max int64) ([]byte, error) {
	if _, err := digestHex(want); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("blob %s is over %d bytes: %w", want, max, ErrTooLarge)
	}
	if got := sha256Digest(b); got != want {
		return nil, fmt.Errorf("blob %s hashes to %s: %w", want, got, ErrDigestMismatch)
	}
	return b, nil
}

// verifier hashes what passes through it and says at the end whether it matched.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want string
}

func newVerifier(r io.Reader, want string) *verifier {
	return &verifier{r: r, h: sha256.New(), want: want}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	return n, err
}

func (v *verifier) check(what string) error {
	got := "sha256:" + hex.EncodeToString(v.h.Sum(nil))
	if got != v.want {
		return fmt.Errorf("%s is %s, not %s: %w", what, got, v.want, ErrDigestMismatch)
	}
	return nil
}

// looksLikeJSON is a cheap check before a JSON decode, for clearer errors on binary input.
func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
