package inventory

import (
	"encoding/hex"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBerkeleyDBAgainstDBDump is a differential test of the Berkeley DB reader against Berkeley
// DB's own db_dump (Debian's db5.3-util), where it is installed: every value db_dump prints, but
// rpm's 4-byte counter under key 0, is read byte for byte, in both byte orders.
func TestBerkeleyDBAgainstDBDump(t *testing.T) {
	dump, err := exec.LookPath("db5.3_dump")
	if err != nil {
		t.Skip("db5.3_dump not installed (apt-get install db5.3-util): the differential test is skipped")
	}
	for _, f := range []string{"testdata/os/rpm-bdb/var/lib/rpm/Packages", "testdata/os/rpm-bdb-be/Packages", "testdata/os/rpm-bdb-epoch/rpm/Packages"} {
		out, err := exec.Command(dump, f).Output()
		if err != nil {
			t.Fatalf("%s %s: %v", dump, f, err)
		}
		_, body, ok := strings.Cut(string(out), "HEADER=END\n")
		if !ok {
			t.Fatalf("%s: no HEADER=END in db_dump output", f)
		}
		var lines []string
		for l := range strings.Lines(body) {
			if strings.HasPrefix(l, " ") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		var want []string
		for i := 1; i < len(lines); i += 2 {
			if len(lines[i]) > 32 { // the counter record is 4 bytes
				want = append(want, lines[i])
			}
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		values, err := bdbValues(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var got []string
		for _, v := range values {
			got = append(got, hex.EncodeToString(v))
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: %d values, db_dump has %d (or their bytes differ)", f, len(got), len(want))
		}
	}
}
