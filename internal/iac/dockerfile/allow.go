package dockerfile

import "strings"

// BaseAllowed reports whether image (a reference as written in FROM, or an image's recorded
// base) is covered by one of the allow-list entries. An entry is
//
//   - a registry ("registry.example.com", "localhost:5000"): any repository on it;
//   - a repository prefix ending in "/" ("ghcr.io/acme/base/"): any repository under it;
//   - a repository ("nginx", "ghcr.io/acme/base"): that repository, or any under it;
//   - any of these with a tag (":3.20") or a digest ("@sha256:…"): then the image must carry
//     that same tag or digest too, which is how an allow-list pins a base to exact bytes.
//
// Matching is by whole path segments, so "docker.io/acme" does not allow "docker.io/acme-evil/x":
// an allow-list is a security boundary and a prefix of a name someone else can register is not.
func BaseAllowed(entries []string, image string) bool {
	img := ParseImage(image)
	for _, e := range entries {
		if baseEntryAllows(strings.TrimSpace(e), img) {
			return true
		}
	}
	return false
}

func baseEntryAllows(entry string, img ImageRef) bool {
	if entry == "" {
		return false
	}
	if isRegistry(entry) {
		reg, _, _ := strings.Cut(img.Name, "/")
		return strings.EqualFold(reg, strings.TrimSuffix(entry, "/"))
	}
	e := ParseImage(entry)
	if e.Tag != "" && e.Tag != img.Tag {
		return false
	}
	if e.Digest != "" && !strings.EqualFold(e.Digest, img.Digest) {
		return false
	}
	prefix := e.Name
	if strings.HasSuffix(entry, "/") && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(img.Name, prefix)
	}
	return img.Name == prefix || strings.HasPrefix(img.Name, prefix+"/")
}

// isRegistry reports an entry that names only a registry host: one segment that ends in "/"
// ("registry:5000/"), or whose host part has a dot or is localhost ("gcr.io", "localhost:5000").
// A single dotless segment without the slash is a Docker Hub image ("alpine", "alpine:3"), as in
// a FROM line.
func isRegistry(entry string) bool {
	host, rest, slash := strings.Cut(entry, "/")
	if rest != "" || strings.Contains(host, "@") {
		return false
	}
	name, _, _ := strings.Cut(host, ":")
	return slash || strings.Contains(name, ".") || name == "localhost"
}
