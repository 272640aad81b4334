package inventory

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
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
		if d.ID == "ubuntu" && (strings.Contains(kv["VERSION"], "LTS") || strings.Contains(d.Name, "LTS")) {
			d.VersionID += ":LTS" // removed again by classify, which needs to know
		}
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

func readSmall(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReleaseFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReleaseFile {
		return nil, fmt.Errorf("larger than %d bytes", maxReleaseFile)
	}
	return data, nil
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

// classify fills the OSV ecosystem, purl namespace and, for what OSV cannot match, the reason.
func classify(d Distro, idLike string) Distro {
	lts := strings.HasSuffix(d.VersionID, ":LTS")
	d.VersionID = strings.TrimSuffix(d.VersionID, ":LTS")
	major, _, _ := strings.Cut(d.VersionID, ".")
	unsupported := func(eco, ns string) Distro {
		d.Ecosystem, d.Namespace = eco, ns
		d.Unsupported = fmt.Sprintf("%s has no ecosystem in the OSV database, so its packages cannot be checked for vulnerabilities", orUnknown(d.Name, d.ID))
		return d
	}
	needVersion := func(eco, ns string) Distro {
		d.Ecosystem, d.Namespace = eco, ns
		d.Unsupported = fmt.Sprintf("%s states no release version (VERSION_ID), and %s advisories are per release", orUnknown(d.Name, d.ID), eco)
		return d
	}
	switch d.ID {
	case "debian":
		if major == "" {
			return needVersion("Debian", "debian")
		}
		d.Ecosystem, d.Namespace = "Debian:"+major, "debian"
	case "ubuntu":
		if d.VersionID == "" {
			return needVersion("Ubuntu", "ubuntu")
		}
		d.Ecosystem, d.Namespace = "Ubuntu:"+d.VersionID, "ubuntu"
		if lts || ubuntuLTS(d.VersionID) {
			d.Ecosystem += ":LTS"
		}
	case "alpine":
		parts := strings.SplitN(d.VersionID, ".", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return needVersion("Alpine", "alpine")
		}
		minor := strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
		if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			minor = minor[:i] // "21_alpha20240807"
		}
		d.Ecosystem, d.Namespace = "Alpine:v"+parts[0]+"."+minor, "alpine"
	case "rhel":
		if major == "" {
			return needVersion("Red Hat", "redhat")
		}
		d.Ecosystem, d.Namespace = "Red Hat:enterprise_linux:"+major, "redhat"
	case "almalinux":
		if major == "" {
			return needVersion("AlmaLinux", "almalinux")
		}
		d.Ecosystem, d.Namespace = "AlmaLinux:"+major, "almalinux"
	case "rocky":
		if major == "" {
			return needVersion("Rocky Linux", "rocky")
		}
		d.Ecosystem, d.Namespace = "Rocky Linux:"+major, "rocky"
	case "wolfi":
		d.Ecosystem, d.Namespace = "Wolfi", "wolfi"
	case "chainguard":
		d.Ecosystem, d.Namespace = "Chainguard", "chainguard"
	case "opensuse-leap":
		if d.VersionID == "" {
			return needVersion("openSUSE", "opensuse")
		}
		d.Ecosystem, d.Namespace = "openSUSE:Leap "+d.VersionID, "opensuse"
	case "opensuse-tumbleweed":
		d.Ecosystem, d.Namespace = "openSUSE:Tumbleweed", "opensuse"
	case "sles", "sle-micro":
		// OSV's SUSE data is per product and module ("SUSE:Linux Enterprise Module for
		// Basesystem 15 SP5"), which nothing in an image records.
		d.Ecosystem, d.Namespace = "SUSE:"+d.VersionID, "suse"
		d.Unsupported = fmt.Sprintf("%s: OSV's SUSE advisories are per product module, which the image does not record, so its packages cannot be matched reliably", orUnknown(d.Name, d.ID))
		return d
	case "centos":
		return unsupported("CentOS:"+major, "centos")
	case "amzn":
		return unsupported("Amazon Linux:"+major, "amazon")
	case "fedora":
		return unsupported("Fedora:"+major, "fedora")
	default:
		id := d.ID
		if id == "" {
			id = "unknown"
		}
		ns := id
		if strings.Contains(" "+idLike+" ", " debian ") {
			ns = "debian"
		}
		return unsupported(id+":"+d.VersionID, ns)
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
