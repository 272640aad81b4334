package image

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// node is one path of the image's squashed filesystem, held in memory for every path the layers
// write, kept or not: whiteouts, overwrites and symlinks are resolved here, never on disk.
type node struct {
	parent *node
	name   string
	kids   map[string]*node
	kind   nodeKind
	layer  int    // the layer that last wrote it
	target string // a symlink's target, as the image has it
	blob   *blob  // a kept regular file's content in the store; nil when not kept
	mode   fs.FileMode
	size   int64
	mtime  time.Time
	shown  bool // in the final FS: a kept file, a symlink, or a directory with one of those below
}

type nodeKind uint8

const (
	dirNode nodeKind = iota
	fileNode
	symlinkNode
	otherNode // devices and FIFOs: never kept, never opened
)

// blob is a kept file's content in the store, shared by hardlinks.
type blob struct {
	name string // the generated name in the store
	refs int
}

// maxNameBytes is the longest entry name or link target accepted (Linux's PATH_MAX), and
// maxResolveSteps the most path components one resolution may walk, symlinks expanded: together
// they bound the work and the depth an entry can cost, whatever its symlinks point at.
const (
	maxNameBytes    = 4096
	maxResolveSteps = 8192
)

var (
	errPathTooLong  = errors.New("path too long, symlinks expanded")
	errNotDir       = errors.New("not a directory")
	errTooManyLinks = errors.New("too many levels of symbolic links")
)

// tree is the squashed filesystem of an image as its layers are applied in order.
type tree struct {
	root     *node
	symlinks int // how many symlinks one resolution may follow
}

func newTree(symlinks int) *tree {
	return &tree{root: &node{kind: dirNode, kids: map[string]*node{}, mode: fs.ModeDir | 0o755}, symlinks: symlinks}
}

// resolve walks p from the image root. Symlinks are followed in every component but the last,
// and in the last when followLast; a symlink's absolute target starts again at the image root
// and ".." stops at it, so no resolution leaves the image. When create is set, missing
// directories are made (and a non-directory in the way is replaced, as extracting a tar does),
// attributed to layer; replace is told about each node so replaced.
func (t *tree) resolve(p string, followLast, create bool, layer int, replace func(*node)) (*node, error) {
	cur := t.root
	comps := strings.Split(p, "/")
	hops, steps := 0, 0
	for len(comps) > 0 {
		if steps++; steps > maxResolveSteps {
			return nil, errPathTooLong
		}
		c := comps[0]
		comps = comps[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if cur.parent != nil {
				cur = cur.parent
			}
			continue
		}
		child := cur.kids[c]
		if child == nil {
			if !create {
				return nil, fs.ErrNotExist
			}
			child = t.add(cur, c, &node{kind: dirNode, layer: layer, mode: fs.ModeDir | 0o755})
		}
		if child.kind == symlinkNode && (len(comps) > 0 || followLast) {
			if hops++; hops > t.symlinks {
				return nil, errTooManyLinks
			}
			if strings.HasPrefix(child.target, "/") {
				cur = t.root
			}
			comps = append(strings.Split(child.target, "/"), comps...)
			continue
		}
		if len(comps) == 0 {
			return child, nil
		}
		if child.kind != dirNode {
			if !create {
				return nil, errNotDir
			}
			replace(child)
			child = t.add(cur, c, &node{kind: dirNode, layer: layer, mode: fs.ModeDir | 0o755})
		}
		cur = child
	}
	return cur, nil
}

func (t *tree) add(dir *node, name string, n *node) *node {
	n.parent, n.name = dir, name
	if n.kind == dirNode && n.kids == nil {
		n.kids = map[string]*node{}
	}
	dir.kids[name] = n
	return n
}

func (n *node) detach() {
	if n.parent != nil && n.parent.kids[n.name] == n {
		delete(n.parent.kids, n.name)
	}
}

// path is the node's slash-separated path from the image root, without a leading slash.
func (n *node) path() string {
	var parts []string
	for c := n; c != nil && c.parent != nil; c = c.parent {
		parts = append(parts, c.name)
	}
	slices.Reverse(parts)
	return strings.Join(parts, "/")
}

// sortedKids lists a directory's children by name, the order every listing uses.
func (n *node) sortedKids() []*node {
	kids := make([]*node, 0, len(n.kids))
	for _, k := range n.kids {
		kids = append(kids, k)
	}
	slices.SortFunc(kids, func(a, b *node) int { return strings.Compare(a.name, b.name) })
	return kids
}

// markShown decides what the final FS shows: kept files, symlinks, and the directories above them.
func markShown(n *node) bool {
	switch n.kind {
	case fileNode:
		n.shown = n.blob != nil
	case symlinkNode:
		n.shown = true
	case dirNode:
		n.shown = n.parent == nil
		for _, k := range n.kids {
			if markShown(k) {
				n.shown = true
			}
		}
	default:
		n.shown = false
	}
	return n.shown
}

// cleanName turns a layer entry's name into a clean relative path, refusing absolute names and
// any ".." element. "" is the root itself.
func cleanName(name string) (string, error) {
	if len(name) > maxNameBytes {
		return "", fmt.Errorf("name over %d bytes: %w", maxNameBytes, ErrUnsafeEntry)
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("absolute name: %w", ErrUnsafeEntry)
	}
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	if slices.Contains(strings.Split(name, "/"), "..") {
		return "", fmt.Errorf(`name with "..": %w`, ErrUnsafeEntry)
	}
	if strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("name with a NUL byte: %w", ErrUnsafeEntry)
	}
	name = path.Clean(name)
	if name == "." {
		return "", nil
	}
	return name, nil
}

// whiteout says whether base is an overlay whiteout: ".wh..wh..opq" (opaque: the directory's
// content from lower layers is hidden) or ".wh.NAME" (NAME is deleted). Other ".wh..wh." names
// are AUFS bookkeeping and hide nothing.
func whiteout(base string) (target string, opaque, ok bool) {
	rest, ok := strings.CutPrefix(base, ".wh.")
	if !ok {
		return "", false, false
	}
	if rest == ".wh..opq" {
		return "", true, true
	}
	if strings.HasPrefix(rest, ".wh.") || rest == "" || rest == "." || rest == ".." {
		return "", false, true
	}
	return rest, false, true
}
