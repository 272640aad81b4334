package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/palisade-sec/palisade/internal/boundedread"
)

// Distro is the operating system a root file system was built from, as its os-release (or an
// older release file) says, with the OSV ecosystem its packages are matched in.
type Distro struct {
	// ID is os-release's ID ("debian", "ubuntu", "alpine", "rhel", "almalinux", "rocky", "amzn",
	// "fedora", "centos", "wolfi", "chainguard"); VersionID its VERSION_ID ("12", "24.04", "3.20.3").
	ID        string
	VersionID string
	// Name is what the image calls itself (PRETTY_NAME), for messages.
	Name string
	// Ecosystem is the OSV ecosystem with its release as OSV spells it ("Debian:12",
	// "Ubuntu:24.04:LTS", "Alpine:v3.20", "Red Hat:enterprise_linux:9", "AlmaLinux:9",
	// "Rocky Linux:9", "Wolfi"). When OSV has no data for the distribution it is a name no
	// database matches, and Unsupported says why.
	Ecosystem string
	// Namespace is the purl namespace of the distribution's packages ("debian", "redhat").
	Namespace string
	// Unsupported is non-empty when the packages can be listed but not matched against OSV data:
	// it says why, for the problem that reports them.
	Unsupported string
	// From is the file the distribution was read from.
	From string
	// lts is set when os-release calls an Ubuntu release long-term ("24.04.1 LTS").
	lts bool
}

// PURLDistro is the purl "distro" qualifier: ID and VERSION_ID ("debian-12", "alpine-3.20.3").
func (d Distro) PURLDistro() string {
	if d.VersionID == "" {
		return d.ID
	}
	return d.ID + "-" + d.VersionID
}

// maxReleaseFile bounds the release files read: a few hundred bytes in real images.
const maxReleaseFile = 64 << 10

// DetectDistro reads the distribution of the root file system at root (a slash path in fsys,
// "." or "" for fsys's own root) from etc/os-release or usr/lib/os-release, else from the older
// etc/alpine-release, etc/redhat-release or etc/debian_version. An image without any of them
// gives a Distro whose Unsupported says so; the error is for a release file that exists but
// cannot be read.
func DetectDistro(fsys fs.FS, root string) (Distro, error) {
	if root == "" {
		root = "."
	}
	// etc/os-release is usually a symlink to ../usr/lib/os-release; one the file system will not
	// follow (an absolute link out of a confined root) falls back to its target's usual place.
	var firstErr error
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		p := path.Join(root, name)
		data, err := readSmall(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("read %s: %w", p, err)
			}
			continue
		}
		kv := parseOSRelease(data)
		d := Distro{ID: strings.ToLower(kv["ID"]), VersionID: kv["VERSION_ID"], Name: kv["PRETTY_NAME"], From: p}
		if d.Name == "" {
			d.Name = strings.TrimSpace(kv["NAME"] + " " + kv["VERSION"])
		}
		d.lts = strings.Contains(kv["VERSION"], "LTS") || strings.Contains(d.Name, "LTS")
		if d.ID == "debian" && d.VersionID == "" {
			// Debian testing and sid write no VERSION_ID; debian_version says "trixie/sid".
			if v, err := readSmall(fsys, path.Join(root, "etc/debian_version")); err == nil {
				d.VersionID = debianMajor(string(v))
			}
		}
		return classify(d, kv["ID_LIKE"]), nil
	}
	if firstErr != nil {
		return Distro{}, firstErr
	}
	if data, err := readSmall(fsys, path.Join(root, "etc/alpine-release")); err == nil {
		v := strings.TrimSpace(string(data))
		return classify(Distro{ID: "alpine", VersionID: v, Name: "Alpine Linux " + v, From: path.Join(root, "etc/alpine-release")}, ""), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Distro{}, fmt.Errorf("read %s: %w", path.Join(root, "etc/alpine-release"), err)
	}
	for _, name := range []string{"etc/redhat-release", "etc/system-release"} {
		p := path.Join(root, name)
		data, err := readSmall(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Distro{}, fmt.Errorf("read %s: %w", p, err)
		}
		d := parseRedHatRelease(strings.TrimSpace(string(data)))
		d.From = p
		return classify(d, "rhel"), nil
	}
	if data, err := readSmall(fsys, path.Join(root, "etc/debian_version")); err == nil {
		v := debianMajor(string(data))
		return classify(Distro{ID: "debian", VersionID: v, Name: "Debian " + strings.TrimSpace(string(data)), From: path.Join(root, "etc/debian_version")}, ""), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Distro{}, fmt.Errorf("read %s: %w", path.Join(root, "etc/debian_version"), err)
	}
	return Distro{Unsupported: "no etc/os-release, usr/lib/os-release or other release file says which distribution this is"}, nil
}

// readSmall reads a release file through the one bounded reader: a named pipe planted at
// etc/os-release is refused unopened instead of blocking the scan.
func readSmall(fsys fs.FS, p string) ([]byte, error) {
	return boundedread.File(fsys, p, maxReleaseFile)
}

// parseOSRelease reads the KEY=value lines of os-release(5): values may be quoted with " or '
// and use backslash escapes; comments and malformed lines are ignored, as systemd ignores them.
func parseOSRelease(data []byte) map[string]string {
	kv := map[string]string{}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			q := v[0]
			v = v[1 : len(v)-1]
			if q == '"' {
				var b strings.Builder
				for i := 0; i < len(v); i++ {
					if v[i] == '\\' && i+1 < len(v) {
						i++
					}
					b.WriteByte(v[i])
				}
				v = b.String()
			}
		}
		kv[strings.TrimSpace(k)] = v
	}
	return kv
}

var redHatReleaseRe = regexp.MustCompile(`^(.*?) release (\d+(?:\.\d+)*)`)

// parseRedHatRelease reads etc/redhat-release ("CentOS Linux release 7.9.2009 (Core)", "Red Hat
// Enterprise Linux Server release 7.9 (Maipo)", "Rocky Linux release 8.9 (Green Obsidian)").
func parseRedHatRelease(s string) Distro {
	d := Distro{Name: s}
	m := redHatReleaseRe.FindStringSubmatch(s)
	if m == nil {
		return d
	}
	name := strings.ToLower(m[1])
	d.VersionID = m[2]
	switch {
	case strings.HasPrefix(name, "red hat enterprise linux"):
		d.ID = "rhel"
	case strings.HasPrefix(name, "centos"):
		d.ID = "centos"
	case strings.HasPrefix(name, "almalinux"):
		d.ID = "almalinux"
	case strings.HasPrefix(name, "rocky"):
		d.ID = "rocky"
	case strings.HasPrefix(name, "fedora"):
		d.ID = "fedora"
	case strings.HasPrefix(name, "amazon linux"):
		d.ID = "amzn"
	}
	return d
}

// debianMajor turns debian_version ("12.5", "11.9", "trixie/sid") into the major release, or ""
// for testing and unstable, which have none.
func debianMajor(s string) string {
	s = strings.TrimSpace(s)
	major, _, _ := strings.Cut(s, ".")
	if major == "" || strings.Trim(major, "0123456789") != "" {
		return ""
	}
	return major
}

// osvDistro is how one distribution's packages are matched: the OSV ecosystem, the purl
// namespace, and how the ecosystem's release suffix comes from the os-release fields (nil for an
// ecosystem without releases; "" from it means the release cannot be told). A distribution with
// no OSV data has unsupported set instead.
type osvDistro struct {
	eco, ns     string
	release     func(d Distro) string
	unsupported string
}

// osvDistros lists the distributions Palisade knows, by os-release ID, in one place.
func osvDistros() map[string]osvDistro {
	major := func(d Distro) string {
		m, _, _ := strings.Cut(d.VersionID, ".")
		if strings.Trim(m, "0123456789") != "" {
			return ""
		}
		return m
	}
	noOSV := "has no ecosystem in the OSV database, so its packages cannot be checked for vulnerabilities"
	return map[string]osvDistro{
		"debian": {eco: "Debian", ns: "debian", release: major},
		"ubuntu": {eco: "Ubuntu", ns: "ubuntu", release: func(d Distro) string {
			if d.VersionID == "" {
				return ""
			}
			if d.lts || ubuntuLTS(d.VersionID) {
				return d.VersionID + ":LTS" // OSV's spelling: Ubuntu:24.04:LTS, Ubuntu:24.10
			}
			return d.VersionID
		}},
		"alpine": {eco: "Alpine", ns: "alpine", release: func(d Distro) string {
			// 3.20.3 → v3.20; an edge build's 3.21_alpha20240807 → v3.21.
			parts := strings.SplitN(d.VersionID, ".", 3)
			if len(parts) < 2 {
				return ""
			}
			minor := parts[1]
			if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
				minor = minor[:i]
			}
			if parts[0] == "" || minor == "" || strings.Trim(parts[0], "0123456789") != "" {
				return ""
			}
			return "v" + parts[0] + "." + minor
		}},
		"rhel": {eco: "Red Hat", ns: "redhat", release: func(d Distro) string {
			if m := major(d); m != "" {
				return "enterprise_linux:" + m // the repository suffix (::appstream) is the matcher's
			}
			return ""
		}},
		"almalinux": {eco: "AlmaLinux", ns: "almalinux", release: major},
		"rocky":     {eco: "Rocky Linux", ns: "rocky", release: major},
		"opensuse-leap": {eco: "openSUSE", ns: "opensuse", release: func(d Distro) string {
			if d.VersionID == "" {
				return ""
			}
			return "Leap " + d.VersionID // OSV's spelling: openSUSE:Leap 15.5
		}},
		"opensuse-tumbleweed": {eco: "openSUSE", ns: "opensuse", release: func(Distro) string { return "Tumbleweed" }},
		"wolfi":               {eco: "Wolfi", ns: "wolfi"},
		"chainguard":          {eco: "Chainguard", ns: "chainguard"},
		"centos":              {eco: "CentOS", ns: "centos", unsupported: noOSV},
		"amzn":                {eco: "Amazon Linux", ns: "amazon", unsupported: noOSV},
		"fedora":              {eco: "Fedora", ns: "fedora", unsupported: noOSV},
		// OSV's SUSE data is per product and module ("SUSE:Linux Enterprise Module for Basesystem
		// 15 SP5"), which nothing in an image records.
		"sles":      {eco: "SUSE", ns: "suse", unsupported: "has OSV advisories only per product module, which the image does not record, so its packages cannot be matched reliably"},
		"sle-micro": {eco: "SUSE", ns: "suse", unsupported: "has OSV advisories only per product module, which the image does not record, so its packages cannot be matched reliably"},
	}
}

// classify fills the OSV ecosystem, purl namespace and, for what OSV cannot match, the reason.
// idLike (os-release's ID_LIKE) names the purl namespace of a derivative Palisade does not know.
func classify(d Distro, idLike string) Distro {
	name := orUnknown(d.Name, d.ID)
	od, known := osvDistros()[d.ID]
	switch {
	case !known:
		id := cmpOr(d.ID, "unknown")
		d.Ecosystem, d.Namespace = id+":"+d.VersionID, id
		if strings.Contains(" "+idLike+" ", " debian ") {
			d.Namespace = "debian"
		}
		d.Unsupported = name + " has no ecosystem in the OSV database, so its packages cannot be checked for vulnerabilities"
	case od.unsupported != "":
		m, _, _ := strings.Cut(d.VersionID, ".")
		d.Ecosystem, d.Namespace = od.eco+":"+m, od.ns
		d.Unsupported = name + " " + od.unsupported
	case od.release == nil:
		d.Ecosystem, d.Namespace = od.eco, od.ns
	default:
		d.Ecosystem, d.Namespace = od.eco, od.ns
		if r := od.release(d); r != "" {
			d.Ecosystem += ":" + r
		} else {
			d.Unsupported = fmt.Sprintf("%s states no release version (VERSION_ID) Palisade can read, and %s advisories are per release", name, od.eco)
		}
	}
	return d
}

// ubuntuLTS says whether an Ubuntu release is a long-term one: April releases of even years.
func ubuntuLTS(v string) bool {
	var y, m int
	if _, err := fmt.Sscanf(v, "%d.%d", &y, &m); err != nil {
		return false
	}
	return m == 4 && y%2 == 0
}

func orUnknown(name, id string) string {
	if name != "" {
		return name
	}
	if id != "" {
		return id
	}
	return "this distribution"
}
