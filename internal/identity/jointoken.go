package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/palisade-sec/palisade/internal/atomicfile"
)

// ErrTokenRejected is returned for any join token that is unknown, expired or already used; the
// three are not distinguished to a caller so a guesser learns nothing.
var ErrTokenRejected = errors.New("join token rejected")

// joinTokenPrefix makes tokens recognisable to secret scanners.
const joinTokenPrefix = "pjt_"

// JoinTokenStore keeps one-time join tokens in a JSON file. Only the SHA-256 of each token is
// stored (tokens carry 256 random bits, so a fast hash is enough); a token is removed when it is
// redeemed, so it is accepted at most once, and never after it expires.
type JoinTokenStore struct {
	path string
	now  func() time.Time
	mu   sync.Mutex
}

type joinRecord struct {
	SPIFFEID string    `json:"spiffe_id"`
	Expires  time.Time `json:"expires"`
}

// NewJoinTokenStore opens (lazily) the token file at path; now may be nil for time.Now.
func NewJoinTokenStore(path string, now func() time.Time) *JoinTokenStore {
	if now == nil {
		now = time.Now
	}
	return &JoinTokenStore{path: path, now: now}
}

// Create mints a token that lets its bearer obtain one SVID for id within ttl. The token itself is
// returned once and never stored.
func (s *JoinTokenStore) Create(id ID, ttl time.Duration) (string, error) {
	if id.IsZero() || id.Path() == "" {
		return "", errors.New("create join token: a workload SPIFFE ID with a path is required")
	}
	if ttl <= 0 || ttl > 7*24*time.Hour {
		return "", fmt.Errorf("create join token: lifetime %s must be between 0 and 168h", ttl)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("create join token: %w", err)
	}
	tok := joinTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	recs, err := s.read()
	if err != nil {
		return "", fmt.Errorf("create join token: %w", err)
	}
	recs[hashToken(tok)] = joinRecord{SPIFFEID: id.String(), Expires: s.now().Add(ttl).UTC()}
	if err := s.write(recs); err != nil {
		return "", fmt.Errorf("create join token: %w", err)
	}
	return tok, nil
}

// Redeem consumes token and returns the SPIFFE ID it was minted for. Expired records are pruned
// on the way.
func (s *JoinTokenStore) Redeem(token string) (ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs, err := s.read()
	if err != nil {
		return ID{}, fmt.Errorf("redeem join token: %w", err)
	}
	h := hashToken(token)
	rec, ok := recs[h]
	delete(recs, h)
	changed := ok
	now := s.now()
	for k, r := range recs {
		if !now.Before(r.Expires) {
			delete(recs, k)
			changed = true
		}
	}
	// Only a redeemed or pruned token rewrites the file, so guessing costs no disk writes.
	if changed {
		if err := s.write(recs); err != nil {
			return ID{}, fmt.Errorf("redeem join token: %w", err)
		}
	}
	if !ok || !now.Before(rec.Expires) {
		return ID{}, ErrTokenRejected
	}
	id, err := ParseID(rec.SPIFFEID)
	if err != nil {
		return ID{}, fmt.Errorf("redeem join token: stored record: %w", err)
	}
	return id, nil
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func (s *JoinTokenStore) read() (map[string]joinRecord, error) {
	recs := map[string]joinRecord{}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return recs, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return recs, nil
}

func (s *JoinTokenStore) write(recs map[string]joinRecord) error {
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.path, append(b, '\n'), 0o600)
}
