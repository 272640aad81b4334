package image

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNoTagOrder: a tag has no version order to look for a newer tag by (latest, bookworm, a
// digest without a tag, a major version alone).
var ErrNoTagOrder = errors.New("no version order")

// maxTagNumberDigits bounds one numeric component of a tag, so that it fits in a uint64.
const maxTagNumberDigits = 18

// versionTag is a tag read as a version: an optional "v", dot-separated numbers, and a suffix
// that starts with "-" or "_" ("12.5-slim" is 12, 5 and "-slim").
type versionTag struct {
	prefix string
	nums   []uint64
	suffix string
}

// parseVersionTag reads tag as a version, or says why it has none.
func parseVersionTag(tag string) (versionTag, error) {
	var v versionTag
	rest := tag
	if strings.HasPrefix(rest, "v") {
		v.prefix, rest = "v", rest[1:]
	}
	for {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 {
			if len(v.nums) == 0 {
				return versionTag{}, fmt.Errorf("tag %q does not start with a version number: %w", tag, ErrNoTagOrder)
			}
			return versionTag{}, fmt.Errorf("tag %q has a dot not followed by a number: %w", tag, ErrNoTagOrder)
		}
		if n > maxTagNumberDigits {
			return versionTag{}, fmt.Errorf("tag %q has a number of more than %d digits: %w", tag, maxTagNumberDigits, ErrNoTagOrder)
		}
		x, err := strconv.ParseUint(rest[:n], 10, 64)
		if err != nil {
			return versionTag{}, fmt.Errorf("tag %q: %w: %w", tag, err, ErrNoTagOrder)
		}
		v.nums = append(v.nums, x)
		rest = rest[n:]
		if !strings.HasPrefix(rest, ".") {
			break
		}
		rest = rest[1:]
	}
	if rest != "" && rest[0] != '-' && rest[0] != '_' {
		return versionTag{}, fmt.Errorf("tag %q: the version is followed by %q, not by a suffix starting with - or _: %w", tag, rest, ErrNoTagOrder)
	}
	v.suffix = rest
	return v, nil
}

// sameShape says whether w is a tag of v's line: the same prefix, number of components, suffix
// and major version.
func (v versionTag) sameShape(w versionTag) bool {
	return v.prefix == w.prefix && v.suffix == w.suffix && len(v.nums) == len(w.nums) && v.nums[0] == w.nums[0]
}

// compare orders two tags of the same shape by their numbers.
func (v versionTag) compare(w versionTag) int {
	for i := range v.nums {
		switch {
		case v.nums[i] < w.nums[i]:
			return -1
		case v.nums[i] > w.nums[i]:
			return 1
		}
	}
	return 0
}

// NewerTag picks from tags the newest tag of current's line, if one is newer than current. A
// tag of the same line has the same shape: an optional "v", the same number of dot-separated
// numeric components with the same first one (the major version), and the same suffix after
// them ("-slim"); it is newer when its numbers are greater, compared component by component.
// So "12.5-slim" may become "12.8-slim", never "13.0-slim", "12.8" or "12.8.1-slim". Two tags
// that are the same version written differently ("12.06", "12.6") resolve to the one that sorts
// first, so the answer does not depend on the order of tags.
//
// It returns "" when no tag is newer, and an error wrapping ErrNoTagOrder when current has no
// order to follow: it is not a version ("latest", "bookworm"), or it is a major version alone
// ("12"), whose only newer tags are other majors.
func NewerTag(current string, tags []string) (string, error) {
	cur, err := parseVersionTag(current)
	if err != nil {
		return "", err
	}
	if len(cur.nums) < 2 {
		return "", fmt.Errorf("tag %q is a major version alone, and a newer major is never chosen: %w", current, ErrNoTagOrder)
	}
	best, bestTag := cur, ""
	for _, t := range tags {
		v, err := parseVersionTag(t)
		if err != nil || !cur.sameShape(v) {
			continue
		}
		c := v.compare(best)
		if c > 0 || (c == 0 && bestTag != "" && t < bestTag) {
			best, bestTag = v, t
		}
	}
	return bestTag, nil
}
