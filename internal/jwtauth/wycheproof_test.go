package jwtauth

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/palisade-sec/palisade/internal/shareddata"
)

type wycheFile struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			JWS     string   `json:"jws"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// defective lists vectors whose expected result contradicts the data itself in this copy of
// Wycheproof; for each the test asserts the behaviour the JWS specification requires instead.
// Others who run these vectors mark the same cases defective.
var defective = map[string]struct {
	accept bool
	why    string
}{
	"base64/367":            {true, "marked invalid (invalidBase64Padding) but the JWS is byte-for-byte tcId 357, a valid MAC"},
	"base64/370":            {true, "marked invalid (invalidBase64PaddingInPayload) but the JWS is byte-for-byte tcId 357, a valid MAC"},
	"base64/372":            {false, "marked valid but a '?' is inserted in the header: not base64url (RFC 7515 2), and the MAC is over the unmodified text"},
	"base64/373":            {false, "marked valid but a '?' is inserted in the payload: not base64url, and the MAC is over the unmodified text"},
	"rfc7520/346":           {false, "marked valid but the group's JWK declares alg PS256 while the token (RFC 7520 figure 20) is PS384; a key verifies only its declared alg (RFC 7517 4.4), as the ps512/UsingRS256 vectors require"},
	"rfc7520WithKeyOps/350": {false, "as rfc7520/346: the JWK declares PS256, the token is PS384"},
	"rfc7520/347":           {false, "marked valid but the group's JWK declares alg \"ES521\", which is not a JWS algorithm (RFC 7518 3.1 registers ES512 for P-521)"},
	"rfc7520WithKeyOps/351": {false, "as rfc7520/347: the JWK declares the unregistered alg ES521"},
}

// wycheKey builds the verification key set of a group: the public JWK when present, else the
// private one (HMAC groups), keeping only public members.
func wycheKeySet(pub, priv json.RawMessage) (*KeySet, error) {
	raw := pub
	if raw == nil {
		raw = priv
	}
	k, err := ParseJWK(raw)
	if err != nil {
		return nil, err
	}
	return &KeySet{keys: []*Key{k}}, nil
}

// allAlgorithms is the widest allow-list, so the vectors exercise the key/alg binding rather than
// the configuration.
var allAlgorithms = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

func verifyCompact(tok string, set *KeySet) error {
	j, err := ParseCompact(tok)
	if err != nil {
		return err
	}
	return Verify(j, set, allAlgorithms)
}

func TestWycheproofJWS(t *testing.T) {
	path := shareddata.Path(t, "wycheproof", "json_web_signature_test.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f wycheFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	total, valid, accepted := 0, 0, 0
	for _, g := range f.TestGroups {
		set, keyErr := wycheKeySet(g.Public, g.Private)
		for _, tc := range g.Tests {
			total++
			name := g.Comment + "/" + itoa(tc.TcID)
			want := tc.Result == "valid"
			if d, ok := defective[name]; ok {
				want = d.accept
			}
			if tc.Result == "valid" {
				valid++
			}
			t.Run(name+"/"+tc.Comment, func(t *testing.T) {
				var err error
				if keyErr != nil {
					err = keyErr
				} else {
					err = verifyCompact(tc.JWS, set)
				}
				if got := err == nil; got != want {
					t.Errorf("accepted = %v, want %v (file says %s%s); err = %v", got, want, tc.Result, note(name), err)
				}
				if err == nil {
					accepted++
				}
			})
		}
	}
	if total != f.NumberOfTests || total != 401 || valid != 46 {
		t.Errorf("ran %d of %d vectors with %d marked valid; want 401 and 46", total, f.NumberOfTests, valid)
	}
	if want := 46 - 6 + 2; accepted != want {
		t.Errorf("accepted %d vectors, want %d (46 valid, less 6 defective-valid, plus 2 defective-invalid)", accepted, want)
	}
}

func note(name string) string {
	if d, ok := defective[name]; ok {
		return "; defective vector: " + d.why
	}
	return ""
}

func TestWycheproofJWK(t *testing.T) {
	path := shareddata.Path(t, "wycheproof", "json_web_key_test.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f wycheFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range f.TestGroups {
		raw := g.Public
		if raw == nil {
			raw = g.Private
		}
		set, keyErr := ParseJWKS(raw)
		for _, tc := range g.Tests {
			n++
			t.Run(g.Comment+"/"+itoa(tc.TcID)+"/"+tc.Comment, func(t *testing.T) {
				err := keyErr
				if err == nil {
					err = verifyCompact(tc.JWS, set)
				}
				if got, want := err == nil, tc.Result == "valid"; got != want {
					t.Errorf("accepted = %v, want %v (%s); err = %v", got, want, tc.Result, err)
				}
			})
		}
	}
	if n != f.NumberOfTests {
		t.Errorf("ran %d of %d vectors", n, f.NumberOfTests)
	}
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}
