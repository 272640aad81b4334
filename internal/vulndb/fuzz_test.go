package vulndb

import (
	"testing"
)

// FuzzDecodeIndex feeds damaged index files to the reader: it must fail with an error, never
// panic or allocate without bound.
func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex(
		[]advRef{{id: "A-1", bodyOff: 0, bodyLen: 10}, {id: "A-2", bodyOff: 10, bodyLen: 5}},
		[]pkgRecord{
			{name: "alpha", entries: []entry{{adv: 0, ranges: []compactRange{{typ: rtSemver, events: []event{{evIntroduced, "0"}, {evFixed, "1.2.3"}}}}}}},
			{name: "beta", entries: []entry{{adv: 1, release: "12", versions: []string{"1.0", "1.1"}}}},
		}))
	f.Add([]byte(idxMagic))
	f.Add([]byte(idxMagic + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := decodeIndex(b)
		if err != nil {
			return
		}
		for _, name := range []string{"alpha", "beta", "", "zzz"} {
			entries, err := ix.lookup(name)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if int(e.adv) >= len(ix.advs) {
					t.Fatalf("entry names advisory %d of %d", e.adv, len(ix.advs))
				}
			}
		}
	})
}

func TestIndexRoundTrip(t *testing.T) {
	pkgs := []pkgRecord{
		{name: "a", entries: []entry{{adv: 1, ranges: []compactRange{{typ: rtEcosystem, events: []event{{evIntroduced, "0"}, {evLastAffected, "2"}}}}}}},
		{name: "b/c", entries: []entry{{adv: 0, release: "v3.20", versions: []string{"1"}}, {adv: 1}}},
		{name: "d"},
	}
	ix, err := decodeIndex(encodeIndex([]advRef{{id: "X-1"}, {id: "X-2", bodyOff: 7, bodyLen: 3}}, pkgs))
	if err != nil {
		t.Fatal(err)
	}
	if ix.numPackages() != 3 || ix.advs[1] != (advRef{id: "X-2", bodyOff: 7, bodyLen: 3}) {
		t.Fatalf("decoded %d packages, advs %+v", ix.numPackages(), ix.advs)
	}
	for _, tc := range []struct {
		name string
		want int
	}{{"a", 1}, {"b/c", 2}, {"d", 0}, {"", 0}, {"c", 0}, {"zz", 0}} {
		es, err := ix.lookup(tc.name)
		if err != nil || len(es) != tc.want {
			t.Errorf("lookup(%q) = %d entries, %v; want %d", tc.name, len(es), err, tc.want)
		}
	}
	es, _ := ix.lookup("b/c")
	if es[0].release != "v3.20" || es[0].versions[0] != "1" || es[1].adv != 1 {
		t.Errorf("b/c entries = %+v", es)
	}
	es, _ = ix.lookup("a")
	if ev := es[0].ranges[0].events[1]; ev != (event{evLastAffected, "2"}) {
		t.Errorf("a event = %+v", ev)
	}
	for _, bad := range [][]byte{nil, []byte("PLSVIDX0"), []byte(idxMagic + "\x05")} {
		if _, err := decodeIndex(bad); err == nil {
			t.Errorf("decodeIndex(%q): want an error", bad)
		}
	}
}
