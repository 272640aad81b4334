package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkWalkLargeLayer walks one gzip layer of 20,000 files (~80 MiB uncompressed, text-like
// content that compresses as real layers do), keeping the package-database-like few and visiting
// every file the way the secret scanner does.
func BenchmarkWalkLargeLayer(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("package version depends install status ok usr lib share doc copyright license debian amd64 python3 libc6 openssl")
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for i := range 20000 {
		var body strings.Builder
		for body.Len() < 4096 {
			body.WriteString(words[rng.IntN(len(words))])
			body.WriteByte(" \n"[rng.IntN(2)])
		}
		name := fmt.Sprintf("usr/share/doc/pkg%d/file%d.txt", i/20, i)
		if i%1000 == 0 {
			name = fmt.Sprintf("var/lib/dpkg/status.d/pkg%d", i)
		}
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(body.Len())})
		io.WriteString(tw, body.String())
	}
	tw.Close()
	var blob bytes.Buffer
	zw := gzip.NewWriter(&blob)
	zw.Write(raw.Bytes())
	zw.Close()
	img := memImage(nil)
	img.Layers[0].DiffID = sha256Digest(raw.Bytes())
	img.Layers[0].Digest = sha256Digest(blob.Bytes())
	img.blobs[0].open = func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob.Bytes())), nil }
	opts := WalkOptions{
		Keep: func(p string, _ *tar.Header) bool { return strings.HasPrefix(p, "var/lib/dpkg/") },
		Visit: func(_ context.Context, e *Entry) error {
			_, err := io.Copy(io.Discard, e)
			return err
		},
		TempDir: b.TempDir(),
	}
	b.SetBytes(int64(raw.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := img.Walk(context.Background(), opts, func(*Tree) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
